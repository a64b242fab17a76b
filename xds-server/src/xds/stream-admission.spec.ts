import { StreamAdmission } from './stream-admission';

describe('StreamAdmission', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('admits up to the rate at once and queues the rest in arrival order, refusing none', () => {
    const admission = new StreamAdmission(10);
    const admitted: number[] = [];
    for (let i = 0; i < 25; i++) admission.admit(() => admitted.push(i));
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(admission.queued).toBe(15);
    jest.advanceTimersByTime(1000);
    expect(admitted).toHaveLength(20);
    jest.advanceTimersByTime(600);
    expect(admitted).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(admission.queued).toBe(0);
  });

  it('forgets a stream that withdraws while it waits', () => {
    const admission = new StreamAdmission(1);
    admission.admit(() => {});
    const late = jest.fn();
    const withdraw = admission.admit(late);
    expect(admission.queued).toBe(1);
    withdraw();
    expect(admission.queued).toBe(0);
    jest.advanceTimersByTime(5000);
    expect(late).not.toHaveBeenCalled();
  });
});
