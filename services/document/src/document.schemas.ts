import { z } from 'zod';

/** The multipart fields beside `file`. */
export const UploadFields = z.object({ kind: z.enum(['id', 'income', 'tax'], { message: 'must be one of id, income, tax' }) });
export type UploadFields = z.infer<typeof UploadFields>;

export const ReviewBody = z.object({ decision: z.enum(['accept', 'reject']), note: z.string().max(1000).optional() });
export type ReviewBody = z.infer<typeof ReviewBody>;
