import MCP

/// Asks a release binary for its version: it also proves the binary runs on this machine
/// (architecture, libraries) before it becomes current.
enum ReleaseBinary {
    static func version(of path: String) async throws(ReleaseError) -> String {
        let output: ProcessRunner.Output
        do {
            output = try await ProcessRunner.run([path, "--version"], environment: ["PATH": "/usr/bin:/bin"],
                                                 workingDirectory: "/", timeout: .seconds(30), outputCap: 4096)
        } catch {
            throw ReleaseError(.brokenBinary, "cannot run \(path) --version: \(error)")
        }
        let version = output.stdout.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        guard output.status == 0, !output.timedOut, !version.isEmpty else {
            throw ReleaseError(.brokenBinary, "\(path) --version failed (exit \(output.status)): \(output.stderr.prefix(300)); is it a triforce binary for this machine?")
        }
        return version
    }
}
