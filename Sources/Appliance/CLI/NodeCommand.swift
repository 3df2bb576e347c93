import ArgumentParser
import Net
import Glibc
import Storage

/// Shared plumbing for subcommands that open the node, do one thing and close it.
enum NodeCommand {
    /// Opens the node, runs `body`, closes the database; errors become one clear line.
    static func with(_ data: DataOptions, _ body: (Node) async throws -> Void) async throws {
        let ring = LogRing()
        let logger = Startup.bootstrapLogging(flags: data.flags, ring: ring)
        let node = await Startup.openNode(flags: data.flags, ring: ring, logger: logger)
        do {
            try await body(node)
        } catch let error as ExitCode {
            await node.database.close()
            throw error
        } catch {
            await node.database.close()
            Startup.fail("\(error)")
        }
        await node.database.close()
    }

    /// One line from stdin without the newline (for --password-stdin and `user passwd`).
    static func readSecretLine(prompt: String) throws -> String {
        if isatty(0) != 0 { FileHandleOutput.stderr(prompt) }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw ValidationError("expected the password on stdin")
        }
        return line.hasSuffix("\r") ? String(line.dropLast()) : line
    }
}

enum FileHandleOutput {
    static func stderr(_ text: String) {
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}
