import { EICAR_PDF, jpeg, pdfWithText, png } from './document-fixtures.spec-helper';
import { recognizeText, scanForViruses } from './document-processing';
import { detectMediaType } from './file-type';

describe('detectMediaType', () => {
  it('recognises PDF, PNG and JPEG by their magic numbers only', () => {
    expect(detectMediaType(pdfWithText('x'))).toBe('application/pdf');
    expect(detectMediaType(png(10, 10))).toBe('image/png');
    expect(detectMediaType(jpeg(10, 10))).toBe('image/jpeg');
    expect(detectMediaType(Buffer.from('GIF89a......'))).toBeUndefined();
    expect(detectMediaType(Buffer.from('just text pretending to be a pdf'))).toBeUndefined();
    expect(detectMediaType(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('scanForViruses', () => {
  it('flags the EICAR test signature and passes other files', () => {
    expect(scanForViruses(EICAR_PDF)).toEqual({ clean: false, finding: expect.stringMatching(/EICAR/) });
    expect(scanForViruses(pdfWithText('salary 4000'))).toEqual({ clean: true });
  });
});

describe('recognizeText', () => {
  it('reads PDF text with high confidence, and is unsure of text-less PDFs', () => {
    expect(recognizeText(pdfWithText('Payslip March'), 'application/pdf')).toEqual({ text: 'Payslip March', confidence: 0.95 });
    expect(recognizeText(Buffer.from('%PDF-1.4\n%%EOF'), 'application/pdf').confidence).toBeLessThan(0.6);
  });

  it('reads image sizes and is unsure of small images', () => {
    expect(recognizeText(png(1200, 800), 'image/png')).toEqual({ text: '[image/png 1200x800]', confidence: 0.85 });
    expect(recognizeText(jpeg(640, 480), 'image/jpeg')).toEqual({ text: '[image/jpeg 640x480]', confidence: 0.85 });
    expect(recognizeText(jpeg(100, 80), 'image/jpeg').confidence).toBe(0.5);
  });
});
