// Linux key codes (include/uapi/linux/input-event-codes.h) that evaluator keypads and the
// gpio-keys overlay commonly send. Config may also give the number directly.
const NAMED: Record<string, number> = {
  KEY_ESC: 1, KEY_1: 2, KEY_2: 3, KEY_3: 4, KEY_4: 5, KEY_5: 6, KEY_6: 7, KEY_7: 8, KEY_8: 9, KEY_9: 10, KEY_0: 11,
  KEY_Q: 16, KEY_W: 17, KEY_E: 18, KEY_R: 19, KEY_T: 20, KEY_Y: 21, KEY_U: 22, KEY_I: 23, KEY_O: 24, KEY_P: 25,
  KEY_ENTER: 28, KEY_A: 30, KEY_S: 31, KEY_D: 32, KEY_F: 33, KEY_G: 34, KEY_H: 35, KEY_J: 36, KEY_K: 37, KEY_L: 38,
  KEY_Z: 44, KEY_X: 45, KEY_C: 46, KEY_V: 47, KEY_B: 48, KEY_N: 49, KEY_M: 50, KEY_SPACE: 57,
  KEY_F1: 59, KEY_F2: 60, KEY_F3: 61, KEY_F4: 62, KEY_F5: 63, KEY_F6: 64, KEY_F7: 65, KEY_F8: 66, KEY_F9: 67, KEY_F10: 68,
  KEY_KP7: 71, KEY_KP8: 72, KEY_KP9: 73, KEY_KPMINUS: 74, KEY_KP4: 75, KEY_KP5: 76, KEY_KP6: 77, KEY_KPPLUS: 78,
  KEY_KP1: 79, KEY_KP2: 80, KEY_KP3: 81, KEY_KP0: 82, KEY_KPDOT: 83, KEY_F11: 87, KEY_F12: 88, KEY_KPENTER: 96,
  KEY_UP: 103, KEY_LEFT: 105, KEY_RIGHT: 106, KEY_DOWN: 108, KEY_POWER: 116, KEY_PROG1: 148, KEY_PROG2: 149,
  BTN_0: 0x100, BTN_1: 0x101, BTN_2: 0x102, BTN_3: 0x103, BTN_4: 0x104, BTN_5: 0x105, BTN_6: 0x106, BTN_7: 0x107,
  BTN_8: 0x108, BTN_9: 0x109, BTN_TRIGGER_HAPPY1: 0x2c0, BTN_TRIGGER_HAPPY2: 0x2c1, BTN_TRIGGER_HAPPY3: 0x2c2,
  BTN_TRIGGER_HAPPY4: 0x2c3, BTN_TRIGGER_HAPPY5: 0x2c4,
};

/** Resolves a configured code (name or number); throws naming the config path for an unknown name. */
export function resolveKeyCode(code: string | number, where: string): number {
  if (typeof code === 'number') return code;
  const n = NAMED[code];
  if (n === undefined) throw new Error(`${where}: unknown key code name '${code}' (use a number from input-event-codes.h)`);
  return n;
}

export function keyCodeName(code: number): string {
  for (const [name, n] of Object.entries(NAMED)) if (n === code) return name;
  return String(code);
}
