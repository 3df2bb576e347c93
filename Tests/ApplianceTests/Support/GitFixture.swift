import FoundationEssentials
import Net
import TestSupport

/// A real git repository in a temp dir, served as `file://` from a bare "origin", with a
/// working clone the test commits in and pushes from (optionally SSH-signed).
struct GitFixture {
    let root: String
    var origin: String { root + "/origin.git" }
    var work: String { root + "/work" }
    var url: String { "file://" + origin }

    static let environment: [String: String] = {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        return environment
    }()

    static func make() async throws -> GitFixture {
        let fixture = GitFixture(root: TemporaryDirectory.make(prefix: "triforce-git"))
        try await fixture.git(["init", "-q", "--bare", "-b", "main", fixture.origin], in: fixture.root)
        try await fixture.git(["init", "-q", "-b", "main", fixture.work], in: fixture.root)
        try await fixture.git(["remote", "add", "origin", fixture.url])
        return fixture
    }

    @discardableResult
    func git(_ arguments: [String], in directory: String? = nil) async throws -> String {
        let output = try await Subprocess.run(["git", "-C", directory ?? work, "-c", "user.name=Config Admin",
                                               "-c", "user.email=admin@example.com"] + arguments,
                                              environment: Self.environment)
        guard output.status == 0 else {
            throw TestNodeError("git \(arguments.joined(separator: " ")) exited \(output.status): \(output.stderr)")
        }
        return output.stdout.trimmed()
    }

    /// Writes `files` (nil content deletes), commits (signed with `signingKey` when given),
    /// pushes to main (`force` for a rewrite) and returns the commit id.
    @discardableResult
    func commit(_ files: [String: String?], message: String = "config", signingKey: String? = nil,
                force: Bool = false) async throws -> String {
        for (name, content) in files {
            let path = work + "/" + name
            if let content {
                try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            } else if FileManager.default.fileExists(atPath: path) {
                try FileManager.default.removeItem(atPath: path)
            }
        }
        try await git(["add", "-A"])
        var commit = ["commit", "-q", "--allow-empty", "-m", message]
        if let signingKey { commit = ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(signingKey)"] + commit + ["-S"] }
        try await git(commit)
        try await git(["push", "-q"] + (force ? ["--force"] : []) + ["origin", "main"])
        return try await git(["rev-parse", "HEAD"])
    }

    /// A new ed25519 key pair; returns the private key path and its allowed-signers line.
    func signingKey(_ name: String) async throws -> (path: String, allowedSigner: String) {
        let path = root + "/" + name
        let output = try await Subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path])
        guard output.status == 0 else { throw TestNodeError("ssh-keygen: \(output.stderr)") }
        let publicKey = String(decoding: FileManager.default.contents(atPath: path + ".pub") ?? Data(), as: UTF8.self)
        return (path, "admin@example.com " + publicKey.trimmed())
    }
}
