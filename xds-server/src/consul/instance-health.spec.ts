import { aggregateHealth } from './instance-health';

describe('aggregateHealth', () => {
  it('is the worst status over all checks', () => {
    expect(aggregateHealth(['passing', 'passing'])).toBe('passing');
    expect(aggregateHealth(['passing', 'warning'])).toBe('warning');
    expect(aggregateHealth(['warning', 'critical', 'passing'])).toBe('critical');
  });

  it('treats an instance without checks as passing, as Consul does', () => {
    expect(aggregateHealth([])).toBe('passing');
  });

  it('fails closed on a status it does not know', () => {
    expect(aggregateHealth(['passing', 'maintenance'])).toBe('critical');
    expect(aggregateHealth(['constructor'])).toBe('critical');
  });
});
