import Net
import FoundationEssentials
import Glibc

/// The node's clone of the config repository. Its local branch `applied` only ever moves by
/// fast-forward to a commit whose config was applied, so it always names the config in
/// force; the remote branch is fetched into `refs/remotes/origin/BRANCH`, which may be
/// force-pushed without touching `applied`.
struct ConfigRepository: Sendable {
    let source: ConfigSource
    var git: GitCommand { GitCommand(directory: source.clonePath) }
    /// Longest range of new commits whose signatures are checked one by one.
    static let maximumVerifiedCommits = 1_000
    /// Largest config file read from a commit.
    static let maximumFileBytes = 1 << 20

    var remoteRef: String { "refs/remotes/origin/\(source.branch)" }

    /// Runs `body` holding an exclusive lock on the clone (`<clone>.lock`, flock), so the
    /// server's round and `triforce sync config --pull` never run git in it at once. Under the
    /// lock no git of ours runs, so git lock files still present are left by a git killed at
    /// its deadline and are removed (they would block every later round). Returns nil when
    /// another round holds the lock.
    func exclusively<T>(_ body: () async throws -> T) async rethrows -> T? {
        let fd = open(source.clonePath + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return try await body() }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        defer { flock(fd, LOCK_UN) }
        let git = source.clonePath + "/.git/"
        for stale in ["index.lock", "HEAD.lock", "config.lock", "shallow.lock", "FETCH_HEAD.lock", "ORIG_HEAD.lock",
                      "refs/heads/applied.lock", remoteRef + ".lock", "packed-refs.lock"] {
            unlink(git + stale)
        }
        return try await body()
    }

    /// Creates the clone on first use (without checking anything out) and points `origin`
    /// at the configured URL.
    func prepare() async throws(ConfigSyncError) {
        let path = source.clonePath
        if !FileManager.default.fileExists(atPath: path + "/.git") {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw ConfigSyncError(.git, "cannot create the config clone \(path): \(error)")
            }
            try await git.run(["init", "-q", "-b", "applied"])
        }
        let remote = try await git.output(["remote", "get-url", "origin"])
        if remote.status != 0 {
            try await git.run(["remote", "add", "origin", source.url])
        } else if remote.stdout.trimmed() != source.url {
            try await git.run(["remote", "set-url", "origin", source.url])
        }
    }

    /// Fetches the branch; returns the commit it points to.
    func fetch() async throws(ConfigSyncError) -> String {
        try await git.run(["fetch", "-q", "--no-tags", "--no-recurse-submodules", "origin",
                           "+refs/heads/\(source.branch):\(remoteRef)"])
        guard let tip = try await commit(remoteRef) else {
            throw ConfigSyncError(.git, "branch \(source.branch) of \(source.url) has no commit")
        }
        return tip
    }

    /// The commit `ref` names, or nil when it does not exist (an unborn `applied`).
    func commit(_ ref: String) async throws(ConfigSyncError) -> String? {
        let result = try await git.output(["rev-parse", "-q", "--verify", ref + "^{commit}"])
        guard result.status == 0 else { return nil }
        let id = result.stdout.trimmed()
        return id.isEmpty ? nil : id
    }

    /// The applied commit (the local branch), nil before the first apply.
    func applied() async throws(ConfigSyncError) -> String? { try await commit("HEAD") }

    /// Refuses a tip that does not descend from the applied commit (a force push, a rewrite).
    func requireFastForward(from applied: String, to tip: String) async throws(ConfigSyncError) {
        let result = try await git.output(["merge-base", "--is-ancestor", applied, tip])
        switch result.status {
        case 0: return
        case 1:
            throw ConfigSyncError(.diverged, "branch \(source.branch) moved to \(tip.prefix(12)), which does not descend from the applied commit \(applied.prefix(12)) (force-pushed or rewritten); not applied: only fast-forwards are followed. Push a commit on top of \(applied.prefix(12)), or remove \(source.clonePath) to start over")
        default:
            throw ConfigSyncError(.git, "git merge-base failed (exit \(result.status)): \(GitCommand.firstLines(result.stderr))")
        }
    }

    /// With allowed signers configured, every new commit (or, on the first apply, the tip)
    /// must carry an SSH signature by one of them.
    func requireSignatures(from applied: String?, to tip: String) async throws(ConfigSyncError) {
        guard let signers = source.allowedSigners else { return }
        guard FileManager.default.isReadableFile(atPath: signers) else {
            throw ConfigSyncError(.unsigned, "allowed signers file \(signers) (sync.git_signers) cannot be read; nothing is applied until it can")
        }
        var commits = [tip]
        if let applied {
            commits = try await git.run(["rev-list", "--reverse", "\(applied)..\(tip)"]).split(separator: "\n").map(String.init)
        }
        guard commits.count <= Self.maximumVerifiedCommits else {
            throw ConfigSyncError(.unsigned, "\(commits.count) new commits; at most \(Self.maximumVerifiedCommits) are verified in one step")
        }
        for commit in commits {
            let result = try await git.output(["-c", "gpg.format=ssh", "-c", "gpg.ssh.allowedSignersFile=\(signers)",
                                               "verify-commit", commit])
            guard result.status == 0 else {
                throw ConfigSyncError(.unsigned, "commit \(commit.prefix(12)) is not signed by a key in \(signers): \(GitCommand.firstLines(result.stderr, limit: 2)); not applied")
            }
        }
    }

    /// The top-level files of `commit` (name → bytes), for the names `wanted` accepts. Only
    /// names in `read` are read; the others come back empty (for the caller to refuse), so a
    /// tree of 35,000 names for one 1 MiB blob costs no process or copy per name.
    func files(at commit: String, where wanted: (String) -> Bool, read: Set<String>) async throws(ConfigSyncError) -> [String: String] {
        let listing = try await git.run(["ls-tree", "--full-tree", commit])
        var files: [String: String] = [:]
        for line in listing.split(separator: "\n") {
            // "<mode> <type> <id>\t<name>"
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = String(parts[1])
            let fields = parts[0].split(separator: " ")
            guard wanted(name) else { continue }
            guard fields.count == 3, fields[1] == "blob" else {
                throw ConfigSyncError(.invalid, "must be a regular file", path: name)
            }
            guard read.contains(name) else {
                files[name] = ""
                continue
            }
            var reader = git
            reader.outputCap = Self.maximumFileBytes
            let blob = try await reader.output(["cat-file", "blob", String(fields[2])])
            guard blob.status == 0 else {
                throw ConfigSyncError(.git, "cannot read \(name) at \(commit.prefix(12)): \(GitCommand.firstLines(blob.stderr))")
            }
            guard !blob.truncated else {
                throw ConfigSyncError(.invalid, "larger than \(Self.maximumFileBytes) bytes", path: name)
            }
            files[name] = blob.stdout
        }
        return files
    }

    /// Moves `applied` (and the work tree) forward to `commit`; never a merge commit.
    func fastForward(to commit: String) async throws(ConfigSyncError) {
        try await git.run(["merge", "--ff-only", "-q", commit])
    }
}
