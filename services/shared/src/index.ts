export * from './onboarding-contract';
