@testable import Appliance
import Net
import Testing

@Suite("Mesh JSON-RPC")
struct MeshRPCTests {
    let rpc = MeshRPC(stats: { ["peers": 0] }, nodeID: "node-x")

    @Test func pingAnswersWithNodeID() async throws {
        let reply = try #require(JSONValue.parse(await rpc.reply(to: #"{"jsonrpc":"2.0","id":7,"method":"ping"}"#) ?? ""))
        #expect(reply["id"] == 7)
        #expect(reply["result"]?["pong"] == true)
        #expect(reply["result"]?["node_id"] == "node-x")
        #expect(reply["result"]?["time"]?.doubleValue != nil)
    }

    @Test func errorsFollowJSONRPCCodes() async throws {
        let unknown = JSONValue.parse(await rpc.reply(to: #"{"jsonrpc":"2.0","id":"a","method":"x/y"}"#) ?? "")
        #expect(unknown?["error"]?["code"] == -32601 && unknown?["id"] == "a")
        let garbage = JSONValue.parse(await rpc.reply(to: "{oops") ?? "")
        #expect(garbage?["error"]?["code"] == -32700 && garbage?["id"] == .null)
        let invalid = JSONValue.parse(await rpc.reply(to: #"{"id":1,"method":"ping"}"#) ?? "")
        #expect(invalid?["error"]?["code"] == -32600)
        // A notification (no id) gets no reply.
        #expect(await rpc.reply(to: #"{"jsonrpc":"2.0","method":"ping"}"#) == nil)
        let stats = JSONValue.parse(await rpc.reply(to: #"{"jsonrpc":"2.0","id":2,"method":"mesh/stats"}"#) ?? "")
        #expect(stats?["result"]?["peers"] == 0)
    }

    @Test func joinTokenDurations() {
        #expect(CACommand.TokenCommand.seconds("1h") == 3600)
        #expect(CACommand.TokenCommand.seconds("90") == 90)
        #expect(CACommand.TokenCommand.seconds("7d") == Int64(604_800))
        #expect(CACommand.TokenCommand.seconds("x") == nil)
        #expect(CACommand.TokenCommand.seconds("0m") == nil)
        #expect(UTCTime.text(0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.text(1_700_000_000) == "2023-11-14T22:13:20Z")
    }
}
