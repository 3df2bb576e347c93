import Net
import MCP
import FoundationEssentials

/// Runs the `git` command line as a child process (argv, never a shell) in one directory,
/// with a deadline and an output cap. The environment is pinned so neither the operator's
/// git config nor a prompt can change what runs: no system/global config, no hooks, no
/// terminal prompts, no `ext::` transport.
struct GitCommand: Sendable {
    struct Output: Sendable {
        let status: Int32
        let stdout: String
        let stderr: String
        let truncated: Bool
    }

    let directory: String
    var timeout: Duration = .seconds(120)
    /// Largest output read from one command (a config file is read with one `cat-file`).
    var outputCap = 2 << 20

    static let pinnedOptions = ["-c", "core.hooksPath=/dev/null", "-c", "protocol.ext.allow=never",
                                "-c", "core.fsmonitor=false", "-c", "advice.detachedHead=false"]

    var environment: [String: String] {
        let process = ProcessInfo.processInfo.environment
        var environment = ["PATH": process["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
                           "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
                           "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "/bin/false", "SSH_ASKPASS": "/bin/false",
                           "GIT_SSH_COMMAND": "ssh -o BatchMode=yes"]
        // ssh (for ssh:// URLs) finds keys and known_hosts under HOME.
        if let home = process["HOME"] { environment["HOME"] = home }
        return environment
    }

    /// Runs `git ARGS`; any exit status is returned.
    func output(_ arguments: [String]) async throws(ConfigSyncError) -> Output {
        let result: ProcessRunner.Output
        do {
            result = try await ProcessRunner.run(["git"] + Self.pinnedOptions + arguments, environment: environment,
                                                 workingDirectory: directory, timeout: timeout, outputCap: outputCap)
        } catch {
            throw ConfigSyncError(.git, "cannot run git (install the git package): \(error)")
        }
        if result.timedOut {
            throw ConfigSyncError(.git, "git \(arguments.first ?? "") did not finish within \(timeout)")
        }
        return Output(status: result.status, stdout: result.stdout, stderr: result.stderr, truncated: result.truncated)
    }

    /// Runs `git ARGS` and returns its stdout; a non-zero exit throws with git's own message.
    @discardableResult
    func run(_ arguments: [String]) async throws(ConfigSyncError) -> String {
        let result = try await output(arguments)
        guard result.status == 0 else {
            throw ConfigSyncError(.git, "git \(arguments.first ?? "") failed (exit \(result.status)): \(Self.firstLines(result.stderr))")
        }
        return result.stdout
    }

    /// git's message, short enough for a status line and never multi-page.
    static func firstLines(_ text: String, limit: Int = 3) -> String {
        let lines = text.split(separator: "\n").prefix(limit).map { $0.trimmed() }
        return lines.isEmpty ? "(no message)" : lines.joined(separator: " | ")
    }
}
