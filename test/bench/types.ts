/** One benchmark figure beside the baseline it is compared with, measured in the same run. */
export interface BenchResult {
  /** snake_case, stable across runs: the key results are compared by. */
  name: string;
  value: number;
  unit: string;
  /** value / baseline value: above 1 means maxfiy is faster than the baseline. */
  ratio: number;
  /** What the baseline is, with its own figure. */
  baseline: string;
}
