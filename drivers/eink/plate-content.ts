// What the e-ink driver draws, decided entirely by the counter: the driver knows layout,
// fonts and the panel, never the hall's wording. Every visible string arrives here already chosen
// (titles such as 暂停服务, courtesy phrases, labels such as 工号), so a hall can change its wording
// without touching a driver. The optional hints (short, long, bold, inline) say how a field is
// laid out, never what it says.

export interface PlateField {
  /** e.g. '工号', '职务', '职责' (the counter's words). */
  label: string;
  value: string;
  /** The label on the small (400×300) panel, e.g. '监督' for '监督电话'; default: label. */
  short?: string;
  /** A long value (职责, 服务承诺): wrapped over lines on the large panel instead of shrunk to one. */
  long?: boolean;
  /** Drawn in the bold face (服务承诺). */
  bold?: boolean;
  /** Consecutive inline fields share one line (the two phones): columns on the large panel, joined on the small. */
  inline?: boolean;
}

export interface PlateContent {
  /** The window sign in the black header, seen across the hall: number and name. */
  header: {
    number: string;
    name: string;
    /** Drawn smaller right after the number, e.g. '号窗口'. */
    suffix?: string;
  };
  /** Who serves here (四亮, 001/004); absent when nobody is at the window. */
  person?: {
    name: string;
    fields: PlateField[];
    /** A file path or image bytes (PNG/JPEG), drawn dithered; a placeholder frame when absent. */
    photo?: string | Uint8Array;
  };
  /** Shown where the person goes when nobody is at the window, e.g. '本窗口暂无工作人员'. */
  vacant?: string;
  /** The word inside the empty photo frame, e.g. '照片'. */
  photoPlaceholder?: string;
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
