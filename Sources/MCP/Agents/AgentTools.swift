import Core
import Net
import FoundationEssentials

/// `agents`, `agent_call`, `agent_broadcast` over the stored CLI agents.
public enum AgentTools {
    public static func all(store: AgentStore, queue: AgentQueue, workspace: Workspace) -> [any Tool] {
        let runner = AgentRunner(store: store, queue: queue, workspace: workspace)
        return [
            ClosureTool(name: "agents", description: "List the CLI agents this node can run.", feature: .agents,
                        annotations: .readOnlyLocal, schema: InputSchema.object([:])) { _, _ in
                let agents = try await store.list()
                let list: [JSONValue] = agents.map {
                    ["name": .string($0.name), "argv": .array($0.argv.map { .string($0) }),
                     "workdir": .string($0.workdir), "timeout_seconds": .int(Int64($0.timeoutSeconds)),
                     "allow_shell_interpolation": .bool($0.allowShellInterpolation)]
                }
                return ToolResult(text: [agents.isEmpty ? "no agents; add one with: triforce agent add NAME -- ARGV..."
                                                        : agents.map { "\($0.name): \($0.argv.joined(separator: " "))" }.joined(separator: "\n")],
                                  structuredContent: ["agents": .array(list)])
            },
            ClosureTool(name: "agent_call", description: "Send a prompt to one CLI agent and return its answer.", feature: .agents,
                        annotations: ToolAnnotations(readOnly: false, openWorld: true),
                        schema: InputSchema.object(["agent": InputSchema.string("agent name", minLength: 1, maxLength: 64),
                                               "prompt": InputSchema.string("the prompt", minLength: 1, maxLength: 100_000)],
                                              required: ["agent", "prompt"])) { arguments, context in
                guard let agent = try await store.agent(named: arguments["agent"]?.stringValue ?? "") else {
                    throw ToolError(.notFound, "no agent named \(arguments["agent"]?.stringValue ?? ""); call agents to list them")
                }
                let answer = try await runner.run(agent, prompt: arguments["prompt"]?.stringValue ?? "")
                return ToolResult(text: [answer.text], structuredContent: answer.json, isError: !answer.ok)
            },
            ClosureTool(name: "agent_broadcast", description: "Send one prompt to several (default: all) agents in parallel and collect every answer.",
                        feature: .agents, annotations: ToolAnnotations(readOnly: false, openWorld: true),
                        schema: InputSchema.object(["prompt": InputSchema.string("the prompt", minLength: 1, maxLength: 100_000),
                                               "agents": InputSchema.array("names (default: all)", items: InputSchema.string("agent name"), maxItems: 32)],
                                              required: ["prompt"])) { arguments, context in
                let wanted = arguments["agents"]?.arrayValue?.compactMap(\.stringValue)
                let agents = try await store.list().filter { wanted?.contains($0.name) ?? true }
                guard !agents.isEmpty else { throw ToolError(.notFound, "no matching agents") }
                let prompt = arguments["prompt"]?.stringValue ?? ""
                let answers = await withTaskGroup(of: (Int, AgentRunner.Answer).self) { group in
                    for (index, agent) in agents.enumerated() {
                        group.addTask {
                            do { return (index, try await runner.run(agent, prompt: prompt)) } catch {
                                return (index, AgentRunner.Answer(agent: agent.name, ok: false, text: "\(error)", exitCode: -1, timedOut: false))
                            }
                        }
                    }
                    var collected: [(Int, AgentRunner.Answer)] = []
                    for await item in group { collected.append(item) }
                    return collected.sorted { $0.0 < $1.0 }.map(\.1)
                }
                let text = answers.map { "## \($0.agent)\n\($0.text)" }.joined(separator: "\n\n")
                return ToolResult(text: [text], structuredContent: ["answers": .array(answers.map(\.json))])
            },
        ]
    }
}

/// Runs one agent through the queue, in its workdir (or the workspace) with a small
/// environment: PATH, HOME and LANG of this process.
struct AgentRunner: Sendable {
    struct Answer: Sendable {
        var agent: String
        var ok: Bool
        var text: String
        var exitCode: Int32
        var timedOut: Bool
        var json: JSONValue {
            ["agent": .string(agent), "ok": .bool(ok), "answer": .string(text), "exit_code": .int(Int64(exitCode)), "timed_out": .bool(timedOut)]
        }
    }

    let store: AgentStore
    let queue: AgentQueue
    let workspace: Workspace

    func run(_ agent: AgentStore.Agent, prompt: String) async throws -> Answer {
        let environment = ProcessInfo.processInfo.environment
        let env = ["PATH": environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", "HOME": environment["HOME"] ?? workspace.root,
                   "LANG": environment["LANG"] ?? "C.UTF-8"]
        let directory = agent.workdir.isEmpty ? workspace.root : agent.workdir
        // Checked again here: a row may come from a peer or an older node.
        let argv = try agent.command(prompt: prompt)
        let output = try await queue.run {
            try await ProcessRunner.run(argv, environment: env, workingDirectory: directory,
                                        timeout: .seconds(agent.timeoutSeconds))
        }
        let ok = output.status == 0 && !output.timedOut
        var text = output.stdout.trimmed()
        if !ok {
            text += (text.isEmpty ? "" : "\n") + (output.timedOut ? "timed out after \(agent.timeoutSeconds) s" : "exit \(output.status)")
            if !output.stderr.isEmpty { text += ": " + String(output.stderr.suffix(2_000)) }
        }
        return Answer(agent: agent.name, ok: ok, text: text, exitCode: output.status, timedOut: output.timedOut)
    }
}
