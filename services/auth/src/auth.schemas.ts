import { z } from 'zod';

const email = z
  .email({ message: 'must be an e-mail address' })
  .max(254)
  .transform((value) => value.toLowerCase());

export const Credentials = z.object({
  email,
  password: z.string().min(8, { message: 'must be at least 8 characters' }).max(256),
});
export type Credentials = z.infer<typeof Credentials>;

export const MagicLinkRequest = z.object({ email });
export type MagicLinkRequest = z.infer<typeof MagicLinkRequest>;

export const MagicLinkRedemption = z.object({ token: z.string().min(16).max(256) });
export type MagicLinkRedemption = z.infer<typeof MagicLinkRedemption>;

export const LoginRequest = z.object({ email, password: z.string().min(1, { message: 'is required' }).max(256) });
export type LoginRequest = z.infer<typeof LoginRequest>;
