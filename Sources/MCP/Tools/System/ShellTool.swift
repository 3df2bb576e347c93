import Core
import Net

/// `shell`: admin only. Runs an argv array (no shell) or an `sh -c` string in the
/// workspace, with a scrubbed environment (PATH, HOME, LANG), a timeout and an output cap.
/// Every call is audit-logged by the registry like any tool.
struct ShellTool: Tool {
    let workspace: Workspace
    let maxTimeoutSeconds: Int
    let name = "shell"
    let description = "Run a command in the workspace (admin only): argv (no shell) or command (sh -c). Scrubbed environment, timeout, capped output."
    let feature = Feature.shell
    let annotations = ToolAnnotations(readOnly: false, destructive: true, openWorld: true)
    var inputSchema: JSONValue {
        InputSchema.object([
            "argv": InputSchema.array("program and arguments, run without a shell", items: InputSchema.string("argument"), maxItems: 256),
            "command": InputSchema.string("a shell command line for sh -c", minLength: 1, maxLength: 20_000),
            "timeout_seconds": InputSchema.integer("kill after this many seconds (default 30)", minimum: 1, maximum: maxTimeoutSeconds),
        ])
    }

    static func environment(home: String) -> [String: String] {
        ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"]
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        // The registry already required Feature.shell; admin is checked again here because
        // the shell is the one tool that must never reach a non-admin, whatever a tier says.
        guard context.principal.isAdmin else { throw ToolError(.refused, "shell is for admins only") }
        let argv: [String]
        if let list = arguments["argv"]?.arrayValue {
            argv = list.compactMap(\.stringValue)
            guard !argv.isEmpty else { throw ToolError(.invalidArgument, "argv must not be empty") }
        } else if let command = arguments["command"]?.stringValue {
            argv = ["/bin/sh", "-c", command]
        } else {
            throw ToolError(.invalidArgument, "pass argv (an array) or command (a string)")
        }
        let timeout = Int(arguments["timeout_seconds"]?.intValue ?? 30)
        await context.progress(0, nil, "started \(argv[0])")
        let output = try await ProcessRunner.run(argv, environment: Self.environment(home: workspace.root),
                                                 workingDirectory: workspace.root, timeout: .seconds(timeout))
        var text = output.stdout
        if !output.stderr.isEmpty { text += (text.isEmpty ? "" : "\n") + "[stderr]\n" + output.stderr }
        if output.truncated { text += "\n… (output truncated)" }
        if output.timedOut { text += "\n(killed after \(timeout) s)" }
        return ToolResult(text: [text.isEmpty ? "(no output, exit \(output.status))" : text],
                          structuredContent: ["exit_code": .int(Int64(output.status)), "stdout": .string(output.stdout),
                                              "stderr": .string(output.stderr), "timed_out": .bool(output.timedOut),
                                              "truncated": .bool(output.truncated)],
                          isError: output.status != 0 || output.timedOut)
    }
}
