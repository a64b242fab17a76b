import { SignJWT } from 'jose';
import { JwtCodec, TokenVerificationError } from './jwt-codec';

const settings = { secret: 's'.repeat(40), issuer: 'mesh-auth', audience: 'mesh-demo' };
const claims = { userId: 'u-1', email: 'a@example.test', sessionId: 'sess-1' };

describe('JwtCodec', () => {
  const codec = new JwtCodec(settings);

  it('verifies what it signed', async () => {
    await expect(codec.verify(await codec.sign(claims, 60))).resolves.toEqual(claims);
  });

  it('rejects a token signed with another secret', async () => {
    const forged = await new JwtCodec({ ...settings, secret: 'f'.repeat(40) }).sign(claims, 60);
    await expect(codec.verify(forged)).rejects.toMatchObject({ problem: 'INVALID_TOKEN' });
  });

  it('rejects an expired token as TOKEN_EXPIRED', async () => {
    const expired = await new SignJWT({ email: claims.email, sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(new TextEncoder().encode(settings.secret));
    await expect(codec.verify(expired)).rejects.toMatchObject({ problem: 'TOKEN_EXPIRED' });
  });

  it('rejects another audience, an unsigned token and garbage', async () => {
    const otherAudience = await new JwtCodec({ ...settings, audience: 'elsewhere' }).sign(claims, 60);
    const [header, payload] = (await codec.sign(claims, 60)).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    for (const token of [otherAudience, unsigned, `${header}.${payload}.AAAA`, 'not-a-jwt']) {
      await expect(codec.verify(token)).rejects.toBeInstanceOf(TokenVerificationError);
    }
  });
});
