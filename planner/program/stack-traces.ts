/** Short stack traces while a plan runs: the SDK formats a stack for every resource it registers. */

/**
 * How a plan formats stack traces. The SDK reads the `stack` of a message-less `new Error()` for every
 * resource (its source position, from the whole stack) and several per resource for its promise-leak
 * report — neither of which plan.json records — and formatting those frames was a large share of the
 * time each added service costs. Such errors get no frames; every other error keeps its message and
 * two frames.
 */
export function planStackTrace(err: Error, frames: NodeJS.CallSite[]): string {
    return err.message === "" ? err.name : [String(err), ...frames.slice(0, Error.stackTraceLimit).map((f) => `    at ${f}`)].join("\n");
}

/**
 * Short stack traces for plans (see `planStackTrace`): about a third of the time per added service.
 * The plan CLI and the benchmark both call this, so `npm run bench` measures what `npm run plan` runs.
 * KUBECHAT_STACK_TRACES=full keeps them whole (debugging a plan failure).
 */
export function shortStackTraces(env: NodeJS.ProcessEnv = process.env): void {
    if (env.KUBECHAT_STACK_TRACES === "full") return;
    Error.stackTraceLimit = 2;
    Error.prepareStackTrace = planStackTrace;
}

