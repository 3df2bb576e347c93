#include "CConcurrencyHook.h"

// The runtime's hook variable. In the static release binary it is a hidden symbol of the
// linked-in Concurrency library, so `dlsym` (what NIO's own installer uses) cannot find it;
// a reference from inside the same link can. In the dynamic build it resolves to
// libswift_Concurrency.so's export.
extern const void *swift_task_enqueueGlobal_hook;

void triforce_set_enqueue_global_hook(const void *hook) {
    __atomic_store_n(&swift_task_enqueueGlobal_hook, hook, __ATOMIC_RELEASE);
}
