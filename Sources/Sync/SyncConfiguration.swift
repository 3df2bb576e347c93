/// How replication runs on one node. Defaults meet issue 13's targets; tests shorten them.
public struct SyncConfiguration: Sendable {
    /// Where snapshot files (outgoing copies, incoming partial downloads) live: `<data-dir>/sync`.
    public var directory: String
    /// The push loop looks for new commits this often (pushes land within ~2× of it).
    public var pushInterval: Duration = .milliseconds(20)
    /// Anti-entropy round every `antiEntropyInterval` ± `jitter` (a fraction).
    public var antiEntropyInterval: Duration = .seconds(10)
    public var jitter: Double = 0.2
    /// Rows per push or pull page.
    public var pageLimit = 500
    /// Raw bytes per snapshot chunk (base64 on the wire, under the 1 MiB frame limit).
    public var chunkBytes = 256 * 1024
    public var callTimeout: Duration = .seconds(10)
    /// Tombstones older than this and acknowledged by every member are dropped; a node that
    /// has not synced for longer re-snapshots.
    public var tombstoneHorizonMilliseconds: Int64 = 7 * 86_400_000
    /// Outgoing snapshot files are kept this long for resuming receivers.
    public var outgoingLifetime: Duration = .seconds(600)
    /// A new snapshot request within this age of the newest outgoing file reuses it.
    public var outgoingReuse: Duration = .seconds(5)

    public init(directory: String) { self.directory = directory }
}
