import type { EligibilityRequest, EligibilityResponse } from '@mesh/service-kit';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9][0-9 ()-]{5,}$/;

/**
 * The demo's eligibility rules. Each failed rule adds one reason; eligible means no reason.
 * A complete profile and at least one accepted document; an identity document is not
 * required on its own so a one-upload journey can be approved.
 */
export function checkEligibility(request: EligibilityRequest): EligibilityResponse {
  const reasons: string[] = [];
  const { name, address, contact } = request.profile;
  if (name.trim().length < 2) reasons.push('profile.name must have at least 2 characters');
  if (address.trim().length < 5) reasons.push('profile.address must have at least 5 characters');
  if (!EMAIL.test(contact.trim()) && !PHONE.test(contact.trim())) reasons.push('profile.contact must be an e-mail address or a phone number');
  if (request.documentKinds.length === 0) reasons.push('at least one document (id, income or tax) must have been uploaded');
  return { eligible: reasons.length === 0, reasons };
}
