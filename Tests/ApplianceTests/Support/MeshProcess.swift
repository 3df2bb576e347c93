import FoundationEssentials
import Glibc
import Net
import Synchronization
import TestSupport

/// One real `triforce serve` process for the multi-node tests: its own data dir, ephemeral
/// ports, stderr read by a task that keeps every line with the moment it arrived.
final class MeshProcess: Sendable {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"
    /// A clean environment; `TRIFORCE_CONCURRENCY_POOL` passes through, so the suites can be
    /// run against either executor.
    static let environment: [String: String] = {
        var environment = ["PATH": "/usr/bin:/bin"]
        environment["TRIFORCE_CONCURRENCY_POOL"] = ProcessInfo.processInfo.environment["TRIFORCE_CONCURRENCY_POOL"]
        return environment
    }()

    let name: String
    let dir: String
    let process: Subprocess.Running
    let apiPort: Int
    let meshPort: Int
    let nodeID: String
    /// Log lines with their arrival time.
    let lines: Mutex<[(line: String, at: ContinuousClock.Instant)]>

    struct StartFailure: Error, CustomStringConvertible { let description: String }

    private init(name: String, dir: String, process: Subprocess.Running, apiPort: Int, meshPort: Int, nodeID: String,
                 lines: [(line: String, at: ContinuousClock.Instant)]) {
        self.name = name
        self.dir = dir
        self.process = process
        self.apiPort = apiPort
        self.meshPort = meshPort
        self.nodeID = nodeID
        self.lines = Mutex(lines)
    }

    /// `triforce ARGS --data-dir dir`.
    static func cli(_ args: [String], dir: String) async throws -> Subprocess.Output {
        try await Subprocess.run([binary] + args + ["--data-dir", dir], environment: environment, timeout: .seconds(60))
    }

    /// Starts `serve` and waits until both listeners are up.
    static func start(_ name: String, dir: String, extra: [String] = []) async throws -> MeshProcess {
        let process = try Subprocess.Running.spawn(
            [binary, "serve", "--port", "0", "--mesh-port", "0", "--data-dir", dir, "--log-level", "info"] + extra,
            environment: environment)
        var collected: [(line: String, at: ContinuousClock.Instant)] = []
        var api: Int?, mesh: Int?, node: String?
        while api == nil || mesh == nil || node == nil, let line = await process.readLine(fd: process.stderrFD) {
            collected.append((line, .now))
            let port = line.split(separator: " ").last { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) }
            if line.contains("mesh listening") { mesh = port } else if line.contains("triforce: listening") { api = port }
            if let id = line.split(separator: " ").first(where: { $0.hasPrefix("node_id=") }) { node = String(id.dropFirst(8)) }
        }
        guard let api, let mesh, let node else {
            process.signal(SIGKILL)
            _ = await process.wait()
            throw StartFailure(description: "\(name) did not start: \(collected.map(\.line))")
        }
        let started = MeshProcess(name: name, dir: dir, process: process, apiPort: api, meshPort: mesh, nodeID: node, lines: collected)
        Task.detached {
            while let line = await process.readLine(fd: process.stderrFD) {
                started.lines.withLock { $0.append((line, .now)) }
            }
        }
        return started
    }

    var meshURL: String { "wss://127.0.0.1:\(meshPort)" }

    /// When this process first logged that `member` entered `state` after `since`.
    func saw(_ member: String, _ state: String, after since: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        lines.withLock { lines in
            lines.first { $0.at >= since && $0.line.contains("mesh: member \(state)") && $0.line.contains("member=\(member)") }?.at
        }
    }

    /// The log since `since`, for a failure message (the last `limit` characters).
    func log(since: ContinuousClock.Instant, limit: Int = 8000) -> String {
        String(lines.withLock { $0.filter { $0.at >= since }.map(\.line).joined(separator: "\n") }.suffix(limit))
    }

    /// `triforce mesh status --json` against the running node; nil when it did not answer.
    func status() async throws -> JSONValue? {
        let out = try await Self.cli(["mesh", "status", "--json", "--mesh-port", String(meshPort)], dir: dir)
        return out.status == 0 ? JSONValue.parse(out.stdout) : nil
    }

    /// The members' states as the running node reports them.
    func view() async throws -> [String: String] {
        guard let json = try await status() else { return [:] }
        var states: [String: String] = [:]
        for member in json["members"]?.arrayValue ?? [] {
            if let id = member["id"]?.stringValue, let state = member["state"]?.stringValue { states[id] = state }
        }
        return states
    }

    func stop() async {
        process.signal(SIGKILL)
        _ = await process.wait(until: .now + .seconds(10))
    }
}

/// Waits for `condition`, polling; false at the deadline.
func eventually(within limit: Duration, every step: Duration = .milliseconds(100),
                _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: step)
    }
    return try await condition()
}
