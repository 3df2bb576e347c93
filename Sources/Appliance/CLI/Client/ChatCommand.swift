import ArgumentParser
import FoundationEssentials
import Net

/// `triforce chat [--model M] ["prompt"]`: streams the answer to the terminal, then names
/// the model that answered and the route (`X-TriForce-Route`) on stderr. Without a prompt,
/// an interactive session that keeps the conversation (`/reset` clears it, `/exit` ends).
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chat", abstract: "Chat with a node's models, streaming.")

    @OptionGroup var options: ClientOptions
    @Option(name: .long, help: "Model id or task alias (default: the node's routing).") var model: String?
    @Argument(help: "The prompt; omit it for an interactive session.") var prompt: String?

    /// The conversation sent with each turn is cut to its newest messages past this.
    static let maxHistoryMessages = 64

    func run() async throws {
        let client = try options.makeClient()
        if let prompt {
            _ = try await Self.turn(client: client, model: model, messages: [Self.message("user", prompt)])
            return
        }
        try await interactive(client: client)
    }

    func interactive(client: NodeClient) async throws {
        Terminal.note("triforce chat with \(client.baseURL)\(model.map { " (model \($0))" } ?? ""): /reset clears the conversation, /exit ends\n")
        var history: [JSONValue] = []
        var model = self.model
        while let line = Terminal.ask("you> ") {
            let text = line.trimmed()
            switch text {
            case "": continue
            case "/exit", "/quit": return
            case "/reset":
                history.removeAll()
                Terminal.note("(conversation cleared)\n")
                continue
            default: break
            }
            if text.hasPrefix("/model ") {
                model = String(text.dropFirst("/model ".count)).trimmed()
                Terminal.note("(model \(model ?? ""))\n")
                continue
            }
            history.append(Self.message("user", text))
            if history.count > Self.maxHistoryMessages { history.removeFirst(history.count - Self.maxHistoryMessages) }
            do {
                let answer = try await Self.turn(client: client, model: model, messages: history)
                history.append(Self.message("assistant", answer))
            } catch {
                // One failed turn does not end the session; the question stays out of the history.
                history.removeLast()
                Terminal.note("error: \(error)\n")
            }
        }
        Terminal.note("\n")
    }

    static func message(_ role: String, _ text: String) -> JSONValue { ["role": .string(role), "content": .string(text)] }

    /// One streamed answer written as it arrives; returns its text for the history.
    static func turn(client: NodeClient, model: String?, messages: [JSONValue]) async throws -> String {
        var body: [String: JSONValue] = ["messages": .array(messages), "stream": true]
        if let model { body["model"] = .string(model) }
        let response = try await client.send(client.request("POST", "/v1/chat/completions", json: .object(body),
                                                            accept: "text/event-stream", timeouts: NodeClient.streamTimeouts))
        let route = response.header("x-triforce-route")
        var answered: String?
        var text = ""
        do {
            for try await event in response.body.sseEvents() {
                if event.data == "[DONE]" { break }
                guard let chunk = JSONValue.parse(event.data) else { continue }
                if let failure = chunk["error"]?["message"]?.stringValue { throw ClientError("the stream failed: \(failure)") }
                if let name = chunk["model"]?.stringValue { answered = name }
                if let delta = chunk["choices"]?[0]?["delta"]?["content"]?.stringValue, !delta.isEmpty {
                    text += delta
                    Terminal.write(delta)
                }
            }
        } catch let error as ClientError {
            Terminal.write("\n")
            throw error
        } catch {
            Terminal.write("\n")
            throw ClientError("the stream from \(client.baseURL) broke off: \(error)")
        }
        Terminal.write(text.hasSuffix("\n") ? "" : "\n")
        Terminal.note("[model: \(answered ?? "unknown") · route: \(route ?? "not reported")]\n")
        return text
    }
}
