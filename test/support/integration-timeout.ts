// Real binaries take seconds to start and stop; each test also sets its own deadlines
// for the conditions it waits on, and those report what they saw.
jest.setTimeout(180_000);
