import Testing
import MCP
import Net
import Glibc
import FoundationEssentials
import TestSupport

/// Issue 9 items 10 and 16: one resolution rule for every workspace tool; symlinks out of
/// the root, /proc and special files are never read; errors carry no absolute paths.
@Suite("Workspace confinement: symlinks, special files, error text")
struct WorkspaceConfinementTests {
    static func text(_ response: JSONValue) -> String {
        (response["result"]?["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
    }

    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func searchAndTreeDoNotFollowSymlinksOutOfTheWorkspace() async throws {
        try await MCPTestServer.run { server in
            let root = server.workspace.root
            let outside = TemporaryDirectory.make()
            try Data("OUTSIDE-SECRET-MARKER\n".utf8).write(to: URL(fileURLWithPath: outside + "/secret.txt"))
            try FileManager.default.createDirectory(atPath: outside + "/tree", withIntermediateDirectories: true)
            try Data("OUTSIDE-SECRET-MARKER in a dir\n".utf8).write(to: URL(fileURLWithPath: outside + "/tree/deep.txt"))
            #expect(symlink(outside + "/secret.txt", root + "/x") == 0)
            #expect(symlink(outside + "/tree", root + "/linked-dir") == 0)
            #expect(symlink("/proc/self/environ", root + "/env") == 0)
            #expect(symlink("/etc/passwd", root + "/passwd") == 0)
            _ = try await server.call("file_write", ["path": "inside.txt", "content": "root:x:0:0 inside copy\n"])

            for query in ["OUTSIDE-SECRET-MARKER", "root:x:0:0", "PATH="] {
                let search = try await server.call("code_search", ["query": .string(query)])
                let paths = search["result"]?["structuredContent"]?["matches"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
                #expect(!Self.text(search).contains("OUTSIDE-SECRET-MARKER"), "\(query): \(Self.text(search))")
                #expect(paths.allSatisfy { $0 == "inside.txt" }, "\(query): \(paths)")
            }
            let regex = try await server.call("code_search", ["query": "SECRET|PATH=|root:", "regex": true])
            let regexPaths = regex["result"]?["structuredContent"]?["matches"]?.arrayValue?.compactMap { $0["path"]?.stringValue } ?? []
            #expect(regexPaths == ["inside.txt"], "\(Self.text(regex))")
            #expect(regex["result"]?["structuredContent"]?["files_skipped"]?.intValue == 4)

            // The tree shows links as links and never lists what is behind them.
            let tree = try await server.call("code_tree", [:])
            #expect(Self.text(tree).contains("linked-dir@"))
            #expect(!Self.text(tree).contains("deep.txt"))

            // Every reading tool refuses the links; none prints the target's content or path.
            for tool in ["code_read", "file_read"] {
                for path in ["x", "env", "passwd", "linked-dir/deep.txt", "/proc/self/environ"] {
                    let read = try await server.call(tool, ["path": .string(path)])
                    #expect(read.toolIsError, "\(tool) \(path)")
                    #expect(!Self.text(read).contains("OUTSIDE-SECRET-MARKER") && !Self.text(read).contains("root:x"), "\(tool) \(path)")
                    #expect(!Self.text(read).contains(outside) && !Self.text(read).contains(root), "\(tool) \(path): \(Self.text(read))")
                }
            }
            let list = try await server.call("file_list", ["path": "linked-dir"])
            #expect(list.toolIsError && !Self.text(list).contains("deep.txt"))
            let edit = try await server.call("code_edit", ["path": "x", "operation": "append", "new_text": "pwned"])
            #expect(edit.toolIsError)
            #expect(Self.contents(outside + "/secret.txt") == "OUTSIDE-SECRET-MARKER\n")
            let patch = try await server.call("code_patch", ["patch": "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-OUTSIDE-SECRET-MARKER\n+pwned\n"])
            #expect(patch.toolIsError, "\(Self.text(patch))")
            #expect(Self.contents(outside + "/secret.txt") == "OUTSIDE-SECRET-MARKER\n")
        }
    }

    @Test func aFIFOInTheWorkspaceDoesNotBlockSearchOrReads() async throws {
        try await MCPTestServer.run { server in
            let root = server.workspace.root
            _ = try await server.call("file_write", ["path": "a/findme.txt", "content": "needle here\n"])
            // Nobody ever writes to this FIFO: opening it for reading would block forever.
            #expect(mkfifo(root + "/a/pipe", 0o600) == 0)
            #expect(mkfifo(root + "/blocker", 0o600) == 0)
            let search = try await server.call("code_search", ["query": "needle"])
            #expect(Self.text(search).contains("a/findme.txt:1: needle here"), "\(Self.text(search))")
            let regex = try await server.call("code_search", ["query": "ne+dle", "regex": true])
            #expect(Self.text(regex).contains("a/findme.txt:1:"))
            for tool in ["code_read", "file_read"] {
                let read = try await server.call(tool, ["path": "blocker"])
                #expect(read.toolIsError && Self.text(read).contains("not a regular file"), "\(Self.text(read))")
            }
            let write = try await server.call("file_write", ["path": "blocker", "content": "x"])
            #expect(write.toolIsError && Self.text(write).contains("not a regular file"))
            let tree = try await server.call("code_tree", [:])
            #expect(Self.text(tree).contains("blocker|"))
            let list = try await server.call("file_list", [:])
            #expect(list["result"]?["structuredContent"]?["entries"]?.arrayValue?.contains { $0["name"] == "blocker" && $0["type"] == "special" } == true)
        }
    }

    @Test func errorsNameTheWorkspacePathAndAShortReasonOnly() async throws {
        try await MCPTestServer.run { server in
            let root = server.workspace.root
            _ = try await server.call("file_write", ["path": "dir/file.txt", "content": "x"])
            // A parent that is a file, a directory as target, an unwritable directory.
            let underFile = try await server.call("file_write", ["path": "dir/file.txt/child.txt", "content": "x"])
            #expect(underFile.toolIsError)
            let onDirectory = try await server.call("file_write", ["path": "dir", "content": "x"])
            #expect(onDirectory.toolIsError && Self.text(onDirectory) == "dir is a directory")
            try FileManager.default.createDirectory(atPath: root + "/locked", withIntermediateDirectories: true)
            #expect(chmod(root + "/locked", 0o500) == 0)
            defer { _ = chmod(root + "/locked", 0o700) }
            let locked = try await server.call("file_write", ["path": "locked/new.txt", "content": "x"])
            let lockedText = Self.text(locked)
            if getuid() != 0 {   // root ignores the mode bits
                #expect(locked.toolIsError && lockedText == "cannot write locked/new.txt: permission denied", "\(lockedText)")
            }
            let missing = try await server.call("file_read", ["path": "nope/missing.txt"])
            #expect(missing.toolIsError && Self.text(missing) == "nope/missing.txt does not exist", "\(Self.text(missing))")
            let absolute = try await server.call("file_read", ["path": .string(root + "/nope.txt")])
            #expect(Self.text(absolute) == "nope.txt does not exist", "\(Self.text(absolute))")
            for response in [underFile, onDirectory, locked, missing, absolute] {
                let text = Self.text(response)
                #expect(!text.contains(root), "\(text)")
                #expect(!text.contains("Error Domain") && !text.contains("NSError") && !text.contains("CocoaError"), "\(text)")
            }
        }
    }

    @Test func resolveRefusesEveryEscapeAndAcceptsInsideLinks() throws {
        let directory = TemporaryDirectory.make()
        let workspace = try Workspace(root: directory + "/ws")
        let root = workspace.root
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        #expect(symlink("a/b", root + "/rel-inside") == 0)
        #expect(symlink(root + "/a", root + "/abs-inside") == 0)
        #expect(symlink("../..", root + "/a/up") == 0)
        #expect(symlink("/", root + "/slash") == 0)
        #expect(symlink("missing-target", root + "/dangling") == 0)
        #expect(symlink("loop2", root + "/loop1") == 0)
        #expect(symlink("loop1", root + "/loop2") == 0)
        #expect(try workspace.resolve("rel-inside/new.txt") == root + "/a/b/new.txt")
        #expect(try workspace.resolve("abs-inside/b") == root + "/a/b")
        #expect(try workspace.resolve("./a//b/./c") == root + "/a/b/c")
        #expect(try workspace.resolve(".") == root)
        for path in ["a/up/etc/passwd", "a/up", "slash/etc/passwd", "dangling", "dangling/x", "loop1", "loop2/x",
                     "../x", "a/../../x", "/etc/passwd", "/proc/self/environ", "a\0b", root + "/../x"] {
            #expect(throws: ToolError.self, "\(path)") { try workspace.resolve(path) }
        }
    }

    /// A directory swapped for a symlink after `resolve` (an agent sharing the workspace
    /// could race the tool): reads, writes and deletes walk from the root with O_NOFOLLOW
    /// and refuse instead of following the new link.
    @Test func aLinkSwappedInAfterResolveIsNotFollowed() throws {
        let directory = TemporaryDirectory.make()
        let workspace = try Workspace(root: directory + "/ws")
        let root = workspace.root
        let outside = TemporaryDirectory.make()
        try FileManager.default.createDirectory(atPath: root + "/swap", withIntermediateDirectories: true)
        try workspace.writeText("inside", to: try workspace.resolve("swap/existing.txt"))
        try Data("outside".utf8).write(to: URL(fileURLWithPath: outside + "/existing.txt"))
        let newFile = try workspace.resolve("swap/new.txt")
        let existing = try workspace.resolve("swap/existing.txt")
        #expect(rename(root + "/swap", root + "/swap-old") == 0)
        #expect(symlink(outside, root + "/swap") == 0)
        #expect(throws: ToolError.self) { try workspace.writeText("pwned", to: newFile) }
        #expect(throws: ToolError.self) { try workspace.writeText("pwned", to: existing) }
        #expect(throws: ToolError.self) { try workspace.readBytes(existing) }
        #expect(throws: ToolError.self) { try workspace.removeFile(existing) }
        #expect(throws: ToolError.self) { try workspace.names(in: root + "/swap") }
        #expect(!FileManager.default.fileExists(atPath: outside + "/new.txt"))
        #expect(Self.contents(outside + "/existing.txt") == "outside")
        #expect(Self.contents(root + "/swap-old/existing.txt") == "inside")
    }
}
