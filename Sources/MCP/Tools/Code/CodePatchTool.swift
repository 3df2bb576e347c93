import Core
import Net
import FoundationEssentials

/// Applies a unified diff to workspace files, all or nothing.
struct CodePatchTool: Tool {
    let workspace: Workspace
    let name = "code_patch"
    let description = "Apply a unified diff (diff -u / git diff) to workspace files. Refuses the whole patch if any hunk's context does not match. dry_run checks only."
    let feature = Feature.codeWrite
    let annotations = ToolAnnotations(readOnly: false, destructive: true)
    var inputSchema: JSONValue {
        InputSchema.object([
            "patch": InputSchema.string("the unified diff", minLength: 1, maxLength: 1_000_000),
            "dry_run": InputSchema.boolean("check that it applies without writing"),
        ], required: ["patch"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let diff = try UnifiedDiff(parsing: arguments["patch"]?.stringValue ?? "")
        var planned: [(target: String, path: String, content: String?)] = []
        for file in diff.files {
            let resolved = try workspace.resolvedPath(file.path)
            let target = resolved.absolute
            var original: [String] = []
            if file.oldPath != nil {
                let text = try workspace.readText(target)
                original = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            } else if workspace.exists(target) {
                throw ToolError(.refused, "\(resolved.display) already exists; the patch creates it")
            }
            let updated = try UnifiedDiff.apply(file, to: original)
            planned.append((target, resolved.display, file.newPath == nil ? nil : updated.joined(separator: "\n")))
        }
        let dryRun = arguments["dry_run"]?.boolValue == true
        if !dryRun {
            for plan in planned {
                if let content = plan.content {
                    try workspace.writeText(content, to: plan.target)
                } else {
                    try workspace.removeFile(plan.target)
                }
            }
        }
        let paths = planned.map(\.path)
        return .text("\(dryRun ? "patch applies cleanly to" : "patched") \(paths.joined(separator: ", "))",
                     structured: ["files": .array(paths.map { .string($0) }), "dry_run": .bool(dryRun)])
    }
}
