// What the e-ink driver draws, decided entirely by the counter (device/): the driver knows layout,
// fonts and the panel, never the hall's wording. Every visible string arrives here already chosen
// (titles such as 暂停服务, courtesy phrases, labels such as 工号), so a hall can change its wording
// without touching a driver.

export interface PlateField {
  /** e.g. '工号', '职务', '职责' (the counter's words). */
  label: string;
  value: string;
}

export interface PlateContent {
  /** The window sign in the black header, seen across the hall: number and name. */
  header: { number: string; name: string };
  /** Who serves here (四亮, 001/004); absent when nobody is at the window. */
  person?: {
    name: string;
    fields: PlateField[];
    /** A file path or image bytes (PNG/JPEG), drawn dithered; a placeholder frame when absent. */
    photo?: string | Uint8Array;
  };
  /** The status banner: the headline and up to a few lines under it. */
  banner: {
    title: string;
    lines: string[];
    /** 'inverted' draws white on black (not in service), 'outlined' black on white. */
    style: 'inverted' | 'outlined';
  };
  /** The foot: supervision and complaint phones, service hours, commitment (labelled lines). */
  foot: PlateField[];
  /** Small marks in a corner, e.g. '最后同步 10:32' while the center is unreachable. */
  marks?: string[];
}
