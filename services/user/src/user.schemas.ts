import { z } from 'zod';

const name = z.string().trim().min(2, { message: 'must have at least 2 characters' }).max(200);
const address = z.string().trim().min(5, { message: 'must have at least 5 characters' }).max(500);
const contact = z.string().trim().min(3).max(200);

/** POST /users: the account's profile, optionally with what is already known. */
export const RegisterProfileBody = z.object({ name: name.optional(), address: address.optional(), contact: contact.optional() });
export type RegisterProfileBody = z.infer<typeof RegisterProfileBody>;

/** PUT /users/me/profile: the complete personal information. */
export const CompleteProfileBody = z.object({ name, address, contact });
export type CompleteProfileBody = z.infer<typeof CompleteProfileBody>;
