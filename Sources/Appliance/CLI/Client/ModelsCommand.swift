import ArgumentParser
import Net

/// `triforce models`: the node's models with provider and status.
struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the models a node serves.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.makeClient()
        let list = try await client.json("GET", "/v1/models")
        guard let models = list["data"]?.arrayValue else { throw ClientError("\(client.baseURL)/v1/models did not return a model list") }
        let rows = models.map { model in
            [model["id"]?.stringValue ?? "?", model["provider"]?.stringValue ?? model["owned_by"]?.stringValue ?? "",
             model["status"]?.stringValue ?? ""]
        }
        let width = max(5, rows.map { $0[0].count }.max() ?? 0) + 2
        let providerWidth = max(8, rows.map { $0[1].count }.max() ?? 0) + 2
        print("MODEL".padded(to: width) + "PROVIDER".padded(to: providerWidth) + "STATUS")
        for row in rows { print(row[0].padded(to: width) + row[1].padded(to: providerWidth) + row[2]) }
    }
}
