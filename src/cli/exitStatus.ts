/**
 * prune-run's exit statuses, each its own meaning so that CI can tell them apart: a run whose
 * `expect:` gates failed (the run itself worked and its folder is complete) is 1, a bad recipe or
 * option is 2, a run that failed is 3, and Ctrl-C is 130 (as shells report SIGINT).
 */
export const SUCCESS_STATUS = 0;
export const EXPECTATIONS_FAILED_STATUS = 1;
export const BAD_INPUT_STATUS = 2;
export const RUN_FAILED_STATUS = 3;
export const INTERRUPTED_STATUS = 130;
