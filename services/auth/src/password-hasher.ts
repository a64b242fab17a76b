import { hash, verify } from '@node-rs/argon2';

/** Argon2id with the library's defaults (OWASP's minimum: 19 MiB, 2 passes). */
export class PasswordHasher {
  hash(password: string): Promise<string> {
    return hash(password);
  }

  verify(hashed: string, password: string): Promise<boolean> {
    return verify(hashed, password);
  }
}
