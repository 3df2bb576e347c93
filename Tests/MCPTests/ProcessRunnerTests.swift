import Testing
import MCP
import Glibc
import FoundationEssentials
import TestSupport

@Suite struct ProcessRunnerTests {
    /// A tool's or agent's process gets stdin, stdout and stderr only: nothing the gateway has
    /// open (a descriptor without close-on-exec, the way libraries open sockets) reaches it.
    @Test func childrenInheritOnlyTheStandardDescriptors() async throws {
        let descriptor = open("/dev/null", O_RDONLY)
        try #require(descriptor > 2)
        defer { close(descriptor) }
        // The premise: without the runner's care this one would be inherited.
        #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC == 0)
        let probe = "if [ -e /proc/$$/fd/\(descriptor) ]; then echo inherited; else echo closed; fi; ls /proc/$$/fd"
        let output = try await ProcessRunner.run(["/bin/sh", "-c", probe], environment: ["PATH": "/usr/bin:/bin"],
                                                 workingDirectory: TemporaryDirectory.make(), timeout: .seconds(120))
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.first == "closed")
        // Only 0, 1, 2 and the descriptor `ls` opens to read the directory.
        let open = lines.dropFirst().compactMap { Int32($0) }
        #expect(open.filter { $0 > 2 }.count <= 1, "child holds \(open)")
    }
}
