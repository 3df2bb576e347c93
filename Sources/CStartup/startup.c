#include <stdlib.h>

// The Swift runtime's own entry for `CommandLine.arguments` (stdlib CommandLine.cpp).
extern void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc);

// Runs before the Swift runtime reads its environment settings (it reads them once, in its
// own constructors, so `main` is too late). glibc passes constructors argc, argv and envp.
// An operator's own value wins (setenv's last argument 0 does not overwrite).
__attribute__((constructor(101)))
static void triforce_runtime_settings(int argc, char **argv, char **envp) {
    (void)envp;
    // Async frames come straight from malloc instead of per-task slabs of ~1 KB. A task keeps
    // every slab until it ends, and a frame that does not fit the current slab's rest opens a
    // new one, so an open stream held ~20 KB of mostly empty slabs in its connection and
    // provider tasks (bench/heap.sh, README Performance "Memory"). This is the runtime's own
    // switch (SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR, EnvironmentVariables.def).
    if (getenv("SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR") != NULL) return;
    // setenv moves `environ` to the heap, and on Linux the runtime finds argv just before
    // `environ`: hand it argv first, or `CommandLine.arguments` comes back empty.
    _swift_stdlib_overrideUnsafeArgvArgc(argv, argc);
    setenv("SWIFT_DEBUG_ENABLE_TASK_SLAB_ALLOCATOR", "0", 0);
}
