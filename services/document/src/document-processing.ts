import type { DocumentMediaType } from './file-type';

/** The EICAR anti-virus test string: every real scanner flags it, so the simulation does too. */
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export interface ScanResult {
  clean: boolean;
  finding?: string;
}

/** Simulated virus scan: flags the EICAR test signature anywhere in the file. */
export function scanForViruses(bytes: Buffer): ScanResult {
  return bytes.includes(EICAR, 0, 'latin1') ? { clean: false, finding: 'EICAR-Test-File (simulated signature match)' } : { clean: true };
}

export interface OcrResult {
  text: string;
  /** 0..1: how sure the (simulated) OCR is; low values can route the document to human review. */
  confidence: number;
}

/**
 * Simulated OCR: the literal strings of a PDF's text operators, or an image's size. Real
 * text gives high confidence; an image too small to read gives low confidence.
 */
export function recognizeText(bytes: Buffer, mediaType: DocumentMediaType): OcrResult {
  if (mediaType === 'application/pdf') {
    const strings = [...bytes.toString('latin1').matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)].map((m) => m[1] ?? '');
    const text = strings.join(' ').trim();
    return text === '' ? { text: '', confidence: 0.4 } : { text: text.slice(0, 2000), confidence: 0.95 };
  }
  const size = imageSize(bytes, mediaType);
  if (!size) return { text: '', confidence: 0.2 };
  const readable = size.width >= 600 && size.height >= 400;
  return { text: `[${mediaType} ${size.width}x${size.height}]`, confidence: readable ? 0.85 : 0.5 };
}

export function imageSize(bytes: Buffer, mediaType: 'image/png' | 'image/jpeg'): { width: number; height: number } | undefined {
  if (mediaType === 'image/png') {
    // The IHDR chunk always comes first: width and height at offsets 16 and 20.
    if (bytes.length < 24 || bytes.subarray(12, 16).toString('latin1') !== 'IHDR') return undefined;
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1] ?? 0;
    const length = bytes.readUInt16BE(offset + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}
