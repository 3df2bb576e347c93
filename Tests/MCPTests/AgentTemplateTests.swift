import Core
import Testing
import MCP
import Net
import Storage
import FoundationEssentials
import TestSupport

/// Issue 9 item 13: a prompt never becomes an option or code in an agent's argv.
@Suite("Agent templates: options and shell interpolation")
struct AgentTemplateTests {
    static let risky: [[String]] = [
        ["sh", "-c", "echo {prompt}"], ["/bin/bash", "-c", "{prompt}"], ["bash", "-ec", "{prompt}"], ["zsh", "-c{prompt}"],
        ["dash", "-c", "{prompt}"], ["python3", "-c", "{prompt}"], ["/usr/bin/python3.11", "-c", "{prompt}"],
        ["node", "-e", "{prompt}"], ["node", "--eval", "{prompt}"], ["perl", "-e", "{prompt}"], ["perl", "-E", "{prompt}"],
        ["ruby", "-e", "{prompt}"], ["php", "-r", "{prompt}"], ["env", "FOO=1", "sh", "-c", "{prompt}"],
        ["timeout", "30", "bash", "-c", "{prompt}"], ["awk", "{prompt}"], ["claude", "--message={prompt}"],
        ["llm", "prompt: {prompt}"],
    ]
    static let safe: [[String]] = [
        ["claude", "-p", "{prompt}"], ["codex", "exec", "{prompt}"], ["sh", "-c", "printf '%s' \"$1\"", "sh", "{prompt}"],
        ["python3", "script.py", "{prompt}"], ["gemini", "-p"], ["node", "agent.js", "--", "{prompt}"], ["awk", "{print}", "{prompt}"],
    ]

    @Test(arguments: risky)
    func interpolatingTemplatesAreRefusedUnlessAllowed(_ argv: [String]) async throws {
        #expect(!AgentTemplate.risks(argv).isEmpty, "\(argv)")
        try await Self.withStore { store in
            do {
                try await store.save(.init(name: "a", argv: argv))
                Issue.record("\(argv) was saved without --allow-shell-interpolation")
            } catch let error as ToolError {
                #expect(error.code == .refused && error.message.contains("--allow-shell-interpolation"), "\(error.message)")
            }
            #expect(try await store.agent(named: "a") == nil)
            try await store.save(.init(name: "a", argv: argv, allowShellInterpolation: true))
            #expect(try await store.agent(named: "a")?.allowShellInterpolation == true)
        }
    }

    @Test(arguments: safe)
    func plainTemplatesAreAccepted(_ argv: [String]) async throws {
        #expect(AgentTemplate.risks(argv).isEmpty, "\(argv): \(AgentTemplate.risks(argv))")
        try await Self.withStore { store in
            try await store.save(.init(name: "a", argv: argv))
            #expect(try await store.agent(named: "a")?.allowShellInterpolation == false)
        }
    }

    @Test func aPromptStartingWithADashIsNeverAnOption() throws {
        #expect(try AgentTemplate.command(["claude", "-p", "{prompt}"], prompt: "--help") == ["claude", "-p", "--", "--help"])
        #expect(try AgentTemplate.command(["gemini", "-p"], prompt: "-rf /") == ["gemini", "-p", "--", "-rf /"])
        #expect(try AgentTemplate.command(["x", "--", "{prompt}"], prompt: "-v") == ["x", "--", "-v"])
        #expect(try AgentTemplate.command(["claude", "-p", "{prompt}"], prompt: "hello -v") == ["claude", "-p", "hello -v"])
        #expect(try AgentTemplate.command(["x", "{prompt}", "plain"], prompt: "-v") == ["x", "--", "-v", "plain"])
        // An option after the prompt would become an operand after "--": refused instead.
        #expect(throws: ToolError.self) { try AgentTemplate.command(["claude", "{prompt}", "--json"], prompt: "-v") }
        #expect(try AgentTemplate.command(["claude", "{prompt}", "--json"], prompt: "v") == ["claude", "v", "--json"])
    }

    /// Through agent_call with a real process: the dashed prompt arrives as an operand.
    @Test func agentCallPassesDashedPromptsAsOperands() async throws {
        let directory = TemporaryDirectory.make()
        let database = try await Database(path: directory + "/t.db")
        let store = AgentStore(database: database, origin: ReplicaOrigin(nodeID: "n", clock: HybridClock()))
        // `echo -n x` would print x without a newline; after "--" GNU echo prints both words.
        try await store.save(.init(name: "echo", argv: ["/bin/echo", "{prompt}"]))
        try await store.save(.init(name: "ls", argv: ["/bin/ls", "{prompt}", "-d"]))
        let tools = AgentTools.all(store: store, queue: AgentQueue(limit: 1), workspace: try Workspace(root: directory + "/ws"))
        let registry = ToolRegistry(tools: tools, policy: ClosureAccessPolicy(), audit: nil)
        let context = ToolContext(principal: Principal(subject: "u", tier: "pro", method: .token))
        let echoed = try await registry.call(name: "agent_call", arguments: ["agent": "echo", "prompt": "-n x"], context: context)
        #expect(echoed.text.first == "-- -n x", "\(echoed.text)")
        let refused = try await registry.call(name: "agent_call", arguments: ["agent": "ls", "prompt": "-la"], context: context)
        #expect(refused.isError && refused.text.first?.contains("starts with '-'") == true, "\(refused.text)")
        // A risky row that reached the table without the flag (a peer, an older node) does not run.
        try await database.write { connection in
            try connection.run("INSERT INTO agents(name, argv, workdir, timeout_seconds, hlc, origin) VALUES ('evil', ?, '', 30, 1, 'peer')",
                               JSONValue.array(["/bin/sh", "-c", "echo {prompt}"]).jsonText)
        }
        let evil = try await registry.call(name: "agent_call", arguments: ["agent": "evil", "prompt": "$(id)"], context: context)
        #expect(evil.isError && evil.text.first?.contains("refused") == true, "\(evil.text)")
        await database.close()
    }

    static func withStore(_ body: (AgentStore) async throws -> Void) async throws {
        let database = try await Database(path: TemporaryDirectory.make() + "/t.db")
        do {
            try await body(AgentStore(database: database, origin: ReplicaOrigin(nodeID: "n", clock: HybridClock())))
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }
}
