import Testing
import TestSupport
import FoundationEssentials

/// `triforce agent add` as an admin runs it (issue 9 item 13): templates that splice the
/// prompt into shell code are refused unless `--allow-shell-interpolation` names the risk.
@Suite struct AgentCommandTests {
    @Test func shellInterpolationNeedsTheExplicitFlag() async throws {
        let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"
        try #require(FileManager.default.fileExists(atPath: binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        func triforce(_ args: [String]) async throws -> Subprocess.Output {
            try await Subprocess.run([binary] + args, environment: ["PATH": "/usr/bin:/bin"])
        }
        let risky = try await triforce(["agent", "add", "--data-dir", dir, "echoer", "--", "sh", "-c", "echo {prompt}"])
        #expect(risky.status != 0)
        #expect(risky.stderr.contains("--allow-shell-interpolation") && risky.stderr.contains("sh -c"), "\(risky.stderr)")
        #expect(try await triforce(["agent", "list", "--data-dir", dir]).stdout.contains("no agents"))

        let accepted = try await triforce(["agent", "add", "--data-dir", dir, "--allow-shell-interpolation", "echoer", "--",
                                           "sh", "-c", "echo {prompt}"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let plain = try await triforce(["agent", "add", "--data-dir", dir, "claude", "--", "claude", "-p", "{prompt}"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let list = try await triforce(["agent", "list", "--data-dir", dir])
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("echoer\t") && $0.hasSuffix("allow-shell-interpolation") }, "\(list.stdout)")
        #expect(lines.contains { $0.hasPrefix("claude\t") && !$0.contains("allow-shell-interpolation") }, "\(list.stdout)")
    }
}
