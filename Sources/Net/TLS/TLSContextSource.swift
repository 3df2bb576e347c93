import Glibc
import Synchronization

/// Where a listener or dialer gets the `MbedTLSContext` for its next connection. Built from
/// PEM files, it is rebuilt when any of them changes on disk (say a renewed node
/// certificate, written atomically by rename), so the new certificate is used without a
/// restart. Connections already open keep the context they started with (each holds a
/// strong reference), so their sessions are untouched by a swap.
///
/// The files are checked at most once per `checkInterval`, on the connection path: one
/// `stat` per file. A change that does not build (a half-written set, a certificate that
/// does not match the key) keeps the previous context; `lastError` says why, and the next
/// check tries again.
public final class TLSContextSource: Sendable {
    private struct State {
        var context: MbedTLSContext
        var stamps: [FileStamp]
        var checked: ContinuousClock.Instant
        var lastError: TLSError?
    }

    /// What identifies one version of a file: a rename gives a new inode, an in-place
    /// write a new size or modification time.
    struct FileStamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int64

        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec)
        }
    }

    private let build: (@Sendable () throws(TLSError) -> MbedTLSContext)?
    private let files: [String]
    public let checkInterval: Duration
    private let state: Mutex<State>

    /// One fixed context, never rebuilt.
    public init(fixed context: MbedTLSContext) {
        build = nil
        files = []
        checkInterval = .seconds(0)
        state = Mutex(State(context: context, stamps: [], checked: .now))
    }

    /// A context from `configuration`, rebuilt when one of `watching` changes (by default
    /// the configuration's own PEM files). Throws when the first build fails.
    public convenience init(configuration: TLSConfiguration, watching: [String]? = nil,
                            checkInterval: Duration = .seconds(1)) throws(TLSError) {
        try self.init(watching: watching ?? configuration.files, checkInterval: checkInterval) { () throws(TLSError) in
            try MbedTLSContext(configuration: configuration)
        }
    }

    /// A context from `build`, rebuilt when one of `watching` changes: for configurations
    /// assembled from the files (the mesh listener's chain is the node certificate + CA).
    public init(watching files: [String], checkInterval: Duration = .seconds(1),
                build: @escaping @Sendable () throws(TLSError) -> MbedTLSContext) throws(TLSError) {
        self.build = build
        self.files = files
        self.checkInterval = checkInterval
        let stamps = files.compactMap(FileStamp.init)
        let context = try build()
        state = Mutex(State(context: context, stamps: stamps, checked: .now))
    }

    /// The context for a new connection. A rebuild (rare: the files changed) happens under
    /// the lock, so concurrent handshakes wait the few milliseconds it takes rather than
    /// build twice.
    public func current() -> MbedTLSContext {
        guard let build else { return state.withLock { $0.context } }
        return state.withLock { state in
            let now = ContinuousClock.now
            guard now - state.checked >= checkInterval else { return state.context }
            state.checked = now
            let stamps = files.compactMap(FileStamp.init)
            // A file missing for a moment (mid-rename by another tool) is not a change.
            guard stamps.count == files.count, stamps != state.stamps else { return state.context }
            do throws(TLSError) {
                state.context = try build()
                state.stamps = stamps
                state.lastError = nil
            } catch {
                state.lastError = error
            }
            return state.context
        }
    }

    /// Why the last rebuild failed (nil once one succeeds).
    public var lastError: TLSError? { state.withLock { $0.lastError } }
}

extension TLSConfiguration {
    /// The files this configuration reads its PEM material from.
    var files: [String] {
        [certificateChain, privateKey, trustRoots].compactMap { source in
            if case .file(let path) = source { path } else { nil }
        }
    }
}
