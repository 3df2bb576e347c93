#ifndef C_CONCURRENCY_HOOK_H
#define C_CONCURRENCY_HOOK_H

/// Points Swift's global-executor hook (`swift_task_enqueueGlobal_hook`, the runtime's
/// Concurrency.h) at `hook`, a thin Swift function `(UnownedJob, original) -> Void`.
void triforce_set_enqueue_global_hook(const void *hook);

#endif
