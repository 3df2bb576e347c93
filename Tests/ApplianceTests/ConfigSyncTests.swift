@testable import Appliance
import Auth
import Core
import Gateway
import MCP
import Net
import Storage
import Logging
import FoundationEssentials
import Glibc
import Testing
import TestSupport

/// Config from git against real repositories in temp dirs (`file://`): whole-commit
/// validation, one transaction, fast-forward only, SSH-signed commits.
@Suite("config from git")
struct ConfigSyncTests {
    struct Harness {
        let fixture: GitFixture
        let dataDirectory: String
        let database: Database
        let origin: ReplicaOrigin

        func sync(signers: String? = nil, environment: [String: String] = [:]) -> ConfigSync {
            ConfigSync(source: ConfigSource(url: fixture.url, branch: "main", allowedSigners: signers,
                                            clonePath: dataDirectory + "/config-repo"),
                       database: database, origin: origin, environment: environment, logger: Logger(label: "test"))
        }

        var routes: RouteStore { RouteStore(database: database, origin: origin) }
        var tiers: TierStore { TierStore(database: database, origin: origin) }
        var providers: ProviderStore { ProviderStore(database: database, origin: origin) }
        var agents: AgentStore { AgentStore(database: database, origin: origin) }
    }

    static func withHarness(_ body: (Harness) async throws -> Void) async throws {
        let fixture = try await GitFixture.make()
        let directory = TemporaryDirectory.make()
        let database = try await Database(path: directory + "/triforce.db", logger: Logger(label: "test"))
        let harness = Harness(fixture: fixture, dataDirectory: directory, database: database,
                              origin: ReplicaOrigin(nodeID: "node-a", clock: HybridClock()))
        do {
            try await body(harness)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    static let routes = #"{"code": ["anthropic/claude-sonnet-4-5", "ollama/qwen2.5-coder:7b"], "general": ["groq/llama-3.3-70b-versatile"]}"#
    static let tiers = #"{"team": {"description": "the team", "requests_per_hour": 500, "features": ["chat", "memory"], "models": {"classes": ["local"], "max": 3}}}"#
    static let providers = #"{"lab": {"kind": "openai-compatible", "base_url": "http://127.0.0.1:8080/v1", "api_key_env": "LAB_KEY", "weight": 2}}"#
    static let agents = #"{"claude": {"argv": ["claude", "-p", "{prompt}"], "timeout_seconds": 120}}"#

    @Test func appliesEveryKindAndRemovesWhatLeavesTheRepository() async throws {
        try await Self.withHarness { h in
            let first = try await h.fixture.commit(["routes.json": Self.routes, "tiers.json": Self.tiers,
                                                    "providers.json": Self.providers, "agents.json": Self.agents,
                                                    "prompts.json": #"{"code": "You write Swift 6."}"#, "README.md": "not config"])
            let state = await h.sync(environment: ["LAB_KEY": "sk-lab"]).pull()
            #expect(state.problem == nil)
            #expect(state.appliedCommit == first)
            #expect(try await h.routes.route(for: .code).models == ["anthropic/claude-sonnet-4-5", "ollama/qwen2.5-coder:7b"])
            let team = try await h.tiers.get("team")
            #expect(team?.requestsPerHour == 500 && team?.features == [.chat, .memory] && team?.modelsRule.max == 3)
            let lab = try await h.providers.list().first { $0.name == "lab" }
            #expect(lab?.baseURL == "http://127.0.0.1:8080/v1" && lab?.hasKey == true && lab?.weight == 2)
            #expect(try await h.agents.agent(named: "claude")?.argv == ["claude", "-p", "{prompt}"])
            #expect(try await SystemPromptStore(database: h.database).prompt(for: .code) == "You write Swift 6.")
            #expect(state.managed == .init(routes: ["code", "general"], tiers: ["team"], providers: ["lab"], agents: ["claude"],
                                           prompts: ["code"]))

            // The clone's local branch names the applied commit.
            let clone = GitFixture(root: h.dataDirectory)
            #expect(try await clone.git(["rev-parse", "HEAD"], in: h.dataDirectory + "/config-repo") == first)

            // An object made by hand is never touched by the repository.
            try await h.agents.save(.init(name: "by-hand", argv: ["codex", "exec", "{prompt}"]))
            let second = try await h.fixture.commit(["providers.json": nil, "agents.json": nil, "prompts.json": nil,
                                                     "routes.json": #"{"code": ["openai/gpt-4.1"]}"#])
            let after = await h.sync().pull()
            #expect(after.problem == nil && after.appliedCommit == second)
            #expect(try await h.routes.route(for: .code).models == ["openai/gpt-4.1"])
            // general left the file: back to the defaults (a tombstone).
            #expect(try await h.routes.route(for: .general).stored == false)
            #expect(try await h.providers.list().contains { $0.name == "lab" } == false)
            #expect(try await h.agents.agent(named: "claude") == nil)
            #expect(try await h.agents.agent(named: "by-hand") != nil)
            #expect(try await SystemPromptStore(database: h.database).prompt(for: .code) == nil)
            #expect(try await h.tiers.get("team") != nil)

            // Nothing new: the next round changes nothing and reports no problem.
            let again = await h.sync().pull()
            #expect(again.appliedCommit == second && again.problem == nil && again.fetchedCommit == second)
        }
    }

    @Test func invalidCommitIsRefusedWithThePathAndThePreviousConfigStays() async throws {
        try await Self.withHarness { h in
            let good = try await h.fixture.commit(["routes.json": Self.routes, "tiers.json": Self.tiers])
            #expect(await h.sync().pull().appliedCommit == good)

            // A typo in one file refuses the whole commit, the valid routes change included.
            let bad = try await h.fixture.commit(["routes.json": #"{"code": ["openai/gpt-4.1"]}"#,
                                                  "tiers.json": #"{"team": {"features": ["chat", "telepathy"]}}"#])
            let refused = await h.sync().pull()
            #expect(refused.appliedCommit == good)
            #expect(refused.problem?.code == .invalid)
            #expect(refused.problem?.path == "tiers.json")
            #expect(refused.problem?.commit == bad)
            #expect(refused.problem?.message.contains("telepathy") == true)
            #expect(try await h.routes.route(for: .code).models == ["anthropic/claude-sonnet-4-5", "ollama/qwen2.5-coder:7b"])
            #expect(refused.summary.contains("tiers.json"))

            // Other shapes of bad input, each named by its file.
            let cases: [(String, String, String)] = [
                ("routes.json", #"{"code": ["a/b"], "#, "JSON"),
                ("routes.json", #"{"poetry": ["a/b"]}"#, "not a task"),
                ("providers.json", #"{"lab": {"base_url": "ftp://x", "api_key_env": "K"}}"#, "base URL"),
                ("providers.json", #"{"lab": {"base_url": "http://x", "api_key": "sk-secret"}}"#, "never go in the repository"),
                ("agents.json", #"{"sh": {"argv": ["sh", "-c", "echo {prompt}"]}}"#, "refused"),
                ("tiers.json", #"{"team": {"requests_per_hour": -1}}"#, "requests_per_hour"),
                ("tiers.json", #"{"team": {"rph": 5}}"#, "unknown field"),
                ("mystery.json", "{}", "unknown config file"),
                ("prompts.json", #"{"code": ""}"#, "non-empty"),
            ]
            for (path, content, reason) in cases {
                var files: [String: String?] = ["tiers.json": Self.tiers, "routes.json": Self.routes, "providers.json": nil,
                                                "agents.json": nil, "mystery.json": nil, "prompts.json": nil]
                files[path] = content
                try await h.fixture.commit(files)
                let state = await h.sync().pull()
                #expect(state.problem?.path == path, "\(path) \(content)")
                #expect(state.problem?.message.contains(reason) == true, "\(state.problem?.message ?? "no problem") lacks \(reason)")
                #expect(state.appliedCommit == good)
            }
            #expect(!(try await h.providers.list().contains { $0.name == "lab" }))

            // A fix on top applies.
            let fixed = try await h.fixture.commit(["routes.json": #"{"code": ["openai/gpt-4.1"]}"#, "tiers.json": Self.tiers,
                                                    "mystery.json": nil, "prompts.json": nil])
            let applied = await h.sync().pull()
            #expect(applied.appliedCommit == fixed && applied.problem == nil)
            #expect(try await h.routes.route(for: .code).models == ["openai/gpt-4.1"])
        }
    }

    /// A git killed at its deadline leaves lock files; the next round clears them (it holds
    /// the clone's own lock, so no git of ours is running). A round already under way makes
    /// another skip rather than run git beside it.
    @Test func staleGitLocksAreClearedAndRoundsNeverOverlap() async throws {
        try await Self.withHarness { h in
            try await h.fixture.commit(["routes.json": Self.routes])
            #expect(await h.sync().pull().problem == nil)
            let clone = h.dataDirectory + "/config-repo"
            try Data().write(to: URL(fileURLWithPath: clone + "/.git/index.lock"))
            try Data().write(to: URL(fileURLWithPath: clone + "/.git/refs/heads/applied.lock"))
            let next = try await h.fixture.commit(["routes.json": #"{"code": ["openai/gpt-4.1"]}"#])
            let state = await h.sync().pull()
            #expect(state.problem == nil && state.appliedCommit == next, "\(state.problem?.message ?? "")")

            // Hold the clone's lock as another round would: this round skips and changes nothing.
            let fd = open(clone + ".lock", O_RDWR | O_CLOEXEC)
            #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
            try await h.fixture.commit(["routes.json": Self.routes])
            let skipped = await h.sync().pull()
            #expect(skipped.appliedCommit == next)
            close(fd)
            // Released, the next round runs. The lock belongs to the open file, not the fd: a
            // process that a parallel test forks while `fd` is open can share it until its exec
            // (once seen in CI: the round after `close` skipped too), so wait for a round that runs.
            var applied = await h.sync().pull().appliedCommit
            let deadline = ContinuousClock.now + .seconds(30)
            while applied == next, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                applied = await h.sync().pull().appliedCommit
            }
            #expect(applied != next, "no round ran in 30 s after the lock was released")
        }
    }

    @Test func forcePushedBranchIsNotApplied() async throws {
        try await Self.withHarness { h in
            try await h.fixture.commit(["routes.json": Self.routes], message: "one")
            let two = try await h.fixture.commit(["routes.json": #"{"code": ["openai/gpt-4.1"]}"#], message: "two")
            #expect(await h.sync().pull().appliedCommit == two)

            // Rewrite history: drop "two", commit something else in its place, force-push.
            try await h.fixture.git(["reset", "-q", "--hard", "HEAD~1"])
            let rewritten = try await h.fixture.commit(["routes.json": #"{"code": ["evil/model"]}"#], message: "rewrite", force: true)
            let state = await h.sync().pull()
            #expect(state.problem?.code == .diverged)
            #expect(state.problem?.commit == rewritten)
            #expect(state.problem?.message.contains("force-pushed") == true)
            #expect(state.appliedCommit == two)
            #expect(try await h.routes.route(for: .code).models == ["openai/gpt-4.1"])
            let clone = GitFixture(root: h.dataDirectory)
            #expect(try await clone.git(["rev-parse", "HEAD"], in: h.dataDirectory + "/config-repo") == two)
        }
    }

    @Test func onlyCommitsSignedByAnAllowedKeyAreApplied() async throws {
        try await Self.withHarness { h in
            let trusted = try await h.fixture.signingKey("trusted")
            let stranger = try await h.fixture.signingKey("stranger")
            let signers = h.fixture.root + "/allowed_signers"
            try Data((trusted.allowedSigner + "\n").utf8).write(to: URL(fileURLWithPath: signers))

            let signed = try await h.fixture.commit(["routes.json": Self.routes], signingKey: trusted.path)
            let first = await h.sync(signers: signers).pull()
            #expect(first.problem == nil && first.appliedCommit == signed)

            let unsigned = try await h.fixture.commit(["routes.json": #"{"code": ["unsigned/model"]}"#])
            let refused = await h.sync(signers: signers).pull()
            #expect(refused.problem?.code == .unsigned && refused.problem?.commit == unsigned)
            #expect(refused.problem?.message.contains(String(unsigned.prefix(12))) == true)
            #expect(refused.appliedCommit == signed)

            // Signed on top by a key that is not allowed: the unsigned one is still in the range.
            try await h.fixture.commit(["routes.json": #"{"code": ["stranger/model"]}"#], signingKey: stranger.path)
            #expect(await h.sync(signers: signers).pull().appliedCommit == signed)
            #expect(try await h.routes.route(for: .code).models == ["anthropic/claude-sonnet-4-5", "ollama/qwen2.5-coder:7b"])

            // Rewrite the two bad commits into one signed by the trusted key: a fast-forward again.
            try await h.fixture.git(["reset", "-q", "--hard", signed])
            let good = try await h.fixture.commit(["routes.json": #"{"code": ["openai/gpt-4.1"]}"#], signingKey: trusted.path, force: true)
            let applied = await h.sync(signers: signers).pull()
            #expect(applied.problem == nil && applied.appliedCommit == good)
            #expect(try await h.routes.route(for: .code).models == ["openai/gpt-4.1"])

            // Without a readable signers file nothing is applied.
            let next = try await h.fixture.commit(["routes.json": Self.routes], signingKey: trusted.path)
            let missing = await h.sync(signers: h.fixture.root + "/absent").pull()
            #expect(missing.problem?.code == .unsigned && missing.appliedCommit == good && missing.fetchedCommit == next)
        }
    }

    /// With the mesh, the admin API shows the rollout of release.json: each member's version
    /// and whose turn it is (here the only member, still on the development version).
    @Test func adminAPIShowsTheRolloutOfTheManifestsRelease() async throws {
        let fixture = try await GitFixture.make()
        let sha = String(repeating: "ab", count: 32)
        try await fixture.commit(["release.json": #"{"version": "9.9.9", "artifacts": {"\#(ReleaseManifest.machine)": {"sha256": "\#(sha)", "size": 10}}}"#])
        let directory = TemporaryDirectory.make()
        let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"
        var environment = ProcessInfo.processInfo.environment
        environment["TRIFORCE_SYNC_GIT_URL"] = fixture.url
        #expect(try await Subprocess.run([binary, "ca", "init", "--data-dir", directory], environment: environment).status == 0)
        let pulled = try await Subprocess.run([binary, "sync", "config", "--pull", "--data-dir", directory], environment: environment)
        #expect(pulled.stdout.contains("release    target 9.9.9, this node runs \(TriForceVersion.current)"), "\(pulled.stdout)")

        try await TestNode.run(flags: [.syncGitURL: fixture.url, .meshPort: "0"], dataDirectory: directory) { node in
            let admin = try #require(try await node.node.auth.ensureFirstAdmin())
            let login = try await Curl.request("\(node.baseURL)/v1/client/login", method: "POST", headers: ["Content-Type": "application/json"],
                                               body: #"{"email":"\#(admin.email)","password":"\#(admin.password)"}"#)
            let token = try #require(login.json?["token"]?.stringValue)
            let report = try await Curl.request(node.baseURL + "/v1/admin/sync/config", headers: ["Authorization": "Bearer \(token)"])
            let rollout = report.json?["release"]?["rollout"]
            #expect(rollout?["target"] == "9.9.9")
            #expect(rollout?["step"] == "next", "\(report.body)")
            #expect(rollout?["next"]?.stringValue == node.node.identity.nodeID)
        }
    }

    @Test func healthAdminAPIAndCLIShowTheAppliedCommit() async throws {
        let fixture = try await GitFixture.make()
        let commit = try await fixture.commit(["routes.json": Self.routes])
        let directory = TemporaryDirectory.make()
        // The CLI pulls into the data dir, as an operator would.
        let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"
        var environment = ProcessInfo.processInfo.environment
        environment["TRIFORCE_SYNC_GIT_URL"] = fixture.url
        let pulled = try await Subprocess.run([binary, "sync", "config", "--pull", "--data-dir", directory], environment: environment)
        #expect(pulled.status == 0, "\(pulled.stderr)")
        #expect(pulled.stdout.contains("applied    \(commit)"))
        #expect(pulled.stdout.contains("code, general"))

        try await TestNode.run(flags: [.syncGitURL: fixture.url], dataDirectory: directory) { node in
            let health = try await Curl.request(node.baseURL + "/health")
            #expect(health.json?["checks"]?["config"]?["detail"]?.stringValue?.contains(String(commit.prefix(12))) == true)
            let anonymous = try await Curl.request(node.baseURL + "/v1/admin/sync/config")
            #expect(anonymous.status == 401)
            let admin = try #require(try await node.node.auth.ensureFirstAdmin())
            let login = try await Curl.request("\(node.baseURL)/v1/client/login", method: "POST", headers: ["Content-Type": "application/json"],
                                               body: #"{"email":"\#(admin.email)","password":"\#(admin.password)"}"#)
            let token = try #require(login.json?["token"]?.stringValue)
            let report = try await Curl.request(node.baseURL + "/v1/admin/sync/config", headers: ["Authorization": "Bearer \(token)"])
            #expect(report.status == 200)
            #expect(report.json?["state"]?["applied_commit"]?.stringValue == commit)
            #expect(report.json?["url"]?.stringValue == fixture.url)
            // The MCP `status` method carries the same report.
            let status = try await Curl.request(node.baseURL + "/v1/mcp", method: "POST",
                                                headers: ["Content-Type": "application/json", "Accept": "application/json, text/event-stream"],
                                                body: #"{"jsonrpc": "2.0", "id": 1, "method": "status"}"#)
            #expect(status.json?["result"]?["config"]?["state"]?["applied_commit"]?.stringValue == commit, "\(status.body)")
        }
        let json = try await Subprocess.run([binary, "sync", "config", "--json", "--data-dir", directory], environment: environment)
        #expect(JSONValue.parse(json.stdout)?["state"]?["applied_commit"]?.stringValue == commit)
    }
}
