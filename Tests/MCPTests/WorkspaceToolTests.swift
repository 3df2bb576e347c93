import Testing
import MCP
import Net
import Glibc
import FoundationEssentials
import TestSupport

@Suite("Workspace confinement and the code/file tools")
struct WorkspaceToolTests {
    @Test func traversalAbsoluteAndSymlinkEscapesAreRefused() async throws {
        try await MCPTestServer.run { server in
            let outside = TemporaryDirectory.make()
            try Data("secret".utf8).write(to: URL(fileURLWithPath: outside + "/secret.txt"))
            let root = server.workspace.root
            #expect(symlink(outside, root + "/escape") == 0)
            #expect(symlink(outside + "/secret.txt", root + "/secret-link") == 0)
            try FileManager.default.createDirectory(atPath: root + "/inside", withIntermediateDirectories: true)
            #expect(symlink(root + "/inside", root + "/ok-link") == 0)

            for path in ["../secret.txt", "a/../../secret.txt", outside + "/secret.txt", "/etc/passwd", "escape/secret.txt", "secret-link"] {
                let read = try await server.call("file_read", ["path": .string(path)])
                #expect(read.toolIsError, "read \(path)")
                #expect(!read.toolText.contains("secret\n") && read.toolText != "secret")
            }
            let write = try await server.call("file_write", ["path": "escape/new.txt", "content": "pwned"])
            #expect(write.toolIsError)
            #expect(!FileManager.default.fileExists(atPath: outside + "/new.txt"))
            let deep = try await server.call("file_write", ["path": "escape/a/b/c.txt", "content": "pwned"])
            #expect(deep.toolIsError)
            // A symlink that stays inside is fine, and so is an absolute path inside.
            let inside = try await server.call("file_write", ["path": "ok-link/f.txt", "content": "fine"])
            #expect(!inside.toolIsError)
            let absolute = try await server.call("file_read", ["path": .string(root + "/inside/f.txt")])
            #expect(absolute.toolText == "fine")
        }
    }

    @Test func readTreeSearchListAndSizeCaps() async throws {
        try await MCPTestServer.run { server in
            _ = try await server.call("file_write", ["path": "src/main.swift", "content": "let a = 1\nlet answer = 42\nprint(answer)\n"])
            _ = try await server.call("file_write", ["path": "src/util/helper.swift", "content": "func helper() -> Int { 7 }\n"])
            let read = try await server.call("code_read", ["path": "src/main.swift", "start_line": 2, "end_line": 3])
            #expect(read.toolText == "2\tlet answer = 42\n3\tprint(answer)")
            let tree = try await server.call("code_tree", [:])
            #expect(tree.toolText.contains("src/") && tree.toolText.contains("    helper.swift"))
            let literal = try await server.call("code_search", ["query": "answer"])
            #expect(literal["result"]?["structuredContent"]?["matches"]?.arrayValue?.count == 2)
            let regex = try await server.call("code_search", ["query": #"func \w+\(\)"#, "regex": true])
            #expect(regex.toolText.contains("src/util/helper.swift:1:"))
            let capped = try await server.call("code_search", ["query": "e", "max_results": 1])
            #expect(capped["result"]?["structuredContent"]?["capped"] == true)
            let badRegex = try await server.call("code_search", ["query": "(", "regex": true])
            #expect(badRegex.toolIsError)
            let list = try await server.call("file_list", ["path": "src"])
            #expect(list.toolText.contains("util/") && list.toolText.contains("main.swift"))
            let big = try await server.call("file_write", ["path": "big.txt", "content": .string(String(repeating: "x", count: (1 << 20) + 1))])
            #expect(big.toolIsError && big.toolText.contains("limit"))
        }
    }

    @Test func editOperationsAndDryRun() async throws {
        try await MCPTestServer.run { server in
            _ = try await server.call("file_write", ["path": "f.txt", "content": "one\ntwo\nthree"])
            let dry = try await server.call("code_edit", ["path": "f.txt", "operation": "replace", "old_text": "two", "new_text": "2", "dry_run": true])
            #expect(dry.toolText.contains("dry run"))
            #expect(try await server.call("file_read", ["path": "f.txt"]).toolText == "one\ntwo\nthree")
            _ = try await server.call("code_edit", ["path": "f.txt", "operation": "replace", "old_text": "two", "new_text": "2"])
            _ = try await server.call("code_edit", ["path": "f.txt", "operation": "insert", "line": 1, "new_text": "zero"])
            _ = try await server.call("code_edit", ["path": "f.txt", "operation": "append", "new_text": "four"])
            _ = try await server.call("code_edit", ["path": "f.txt", "operation": "delete", "line": 2])
            #expect(try await server.call("file_read", ["path": "f.txt"]).toolText == "zero\n2\nthree\nfour")
            _ = try await server.call("file_write", ["path": "g.txt", "content": "x x"])
            let ambiguous = try await server.call("code_edit", ["path": "g.txt", "operation": "replace", "old_text": "x", "new_text": "y"])
            #expect(ambiguous.toolIsError && ambiguous.toolText.contains("2 times"))
            // Every byte of a 1 MiB file replaced by 1 KB would be 1 GB: refused before it is
            // built, dry run or not, and the file is unchanged.
            _ = try await server.call("file_write", ["path": "h.txt", "content": .string(String(repeating: "a", count: 1 << 20))])
            for dryRun in [true, false] {
                let huge = try await server.call("code_edit", ["path": "h.txt", "operation": "replace", "old_text": "a",
                                                              "new_text": .string(String(repeating: "b", count: 1_024)),
                                                              "all": true, "dry_run": .bool(dryRun)])
                #expect(huge.toolIsError && huge.toolText.contains("limit"), "\(huge.toolText)")
            }
            #expect(try await server.call("file_read", ["path": "h.txt"]).toolText.utf8.count == 1 << 20)
        }
    }

    /// Hunk starts are numbers from the caller: a signed or huge one is a malformed header, not
    /// an overflow in the arithmetic that places the hunk.
    @Test func patchWithOutOfRangeHunkStartsIsRefused() async throws {
        try await MCPTestServer.run { server in
            _ = try await server.call("file_write", ["path": "a.txt", "content": "x\ny\n"])
            for patch in ["--- /dev/null\n+++ b/new.txt\n@@ --9223372036854775808,1 +1 @@\n x\n",
                          "--- a/a.txt\n+++ b/a.txt\n@@ -99999999999999999999 +1 @@\n x\n"] {
                let result = try await server.call("code_patch", ["patch": .string(patch)])
                #expect(result.toolIsError && result.toolText.contains("malformed hunk header"), "\(patch): \(result.toolText)")
            }
            // The largest start is no line of the file; the context's one other place is used.
            let far = try await server.call("code_patch", ["patch": "--- a/a.txt\n+++ b/a.txt\n@@ -9223372036854775807 +1 @@\n x\n-y\n+z\n"])
            #expect(!far.toolIsError, "\(far.toolText)")
            #expect(try await server.call("file_read", ["path": "a.txt"]).toolText == "x\nz\n")
        }
    }

    @Test func patchAppliesOrRefusesWhole() async throws {
        try await MCPTestServer.run { server in
            _ = try await server.call("file_write", ["path": "a.txt", "content": "alpha\nbeta\ngamma\ndelta\n"])
            let patch = """
            --- a/a.txt
            +++ b/a.txt
            @@ -1,4 +1,4 @@
             alpha
            -beta
            +BETA
             gamma
             delta
            --- /dev/null
            +++ b/new/b.txt
            @@ -0,0 +1,2 @@
            +hello
            +world
            """
            let dry = try await server.call("code_patch", ["patch": .string(patch), "dry_run": true])
            #expect(!dry.toolIsError, "\(dry.toolText)")
            #expect(!FileManager.default.fileExists(atPath: server.workspace.root + "/new/b.txt"))
            let applied = try await server.call("code_patch", ["patch": .string(patch)])
            #expect(!applied.toolIsError, "\(applied.toolText)")
            #expect(try await server.call("file_read", ["path": "a.txt"]).toolText == "alpha\nBETA\ngamma\ndelta\n")
            #expect(try await server.call("file_read", ["path": "new/b.txt"]).toolText == "hello\nworld")
            // The same patch again no longer matches: refused, nothing changed.
            let again = try await server.call("code_patch", ["patch": .string(patch.replacingFirstFileOnly())])
            #expect(again.toolIsError && again.toolText.contains("context mismatch"))
            #expect(try await server.call("file_read", ["path": "a.txt"]).toolText == "alpha\nBETA\ngamma\ndelta\n")
        }
    }
}

extension String {
    /// The first file section of the test patch (the second would refuse for "exists").
    func replacingFirstFileOnly() -> String {
        guard let range = firstRange(of: "--- /dev/null") else { return self }
        return String(self[..<range.lowerBound])
    }
}
