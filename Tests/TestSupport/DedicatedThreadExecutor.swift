import Glibc

/// A task executor with one OS thread of its own, for CPU-heavy test code. Under
/// `withTaskExecutorPreference` its jobs run there instead of on the cooperative pool, which
/// has two threads on a 2-core machine and is what every other test's in-process servers need:
/// the membership simulations alone took over half of the pool's CPU in the parallel run.
public final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {  // `jobs` guarded by `lock`
    public static let shared = DedicatedThreadExecutor()

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []

    private init() {
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        DetachedThread.detach { [self] in runJobs() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pthread_mutex_lock(lock)
        jobs.append(job)
        pthread_cond_signal(wake)
        pthread_mutex_unlock(lock)
    }

    /// The executor's thread: runs jobs in arrival order for the life of the process.
    private func runJobs() {
        while true {
            pthread_mutex_lock(lock)
            while jobs.isEmpty { pthread_cond_wait(wake, lock) }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            pthread_mutex_unlock(lock)
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
