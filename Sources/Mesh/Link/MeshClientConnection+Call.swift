public import Net
import Synchronization

extension MeshClientConnection {
    /// One request and its response over a fresh connection, then close: for `join`, the
    /// `mesh status` command and tests. Throws on an error reply, a closed link or timeout.
    public func call(_ method: String, params: JSONValue, timeout: Duration = .seconds(15)) async throws(MeshError) -> JSONValue {
        let (outbound, writer) = AsyncStream.makeStream(of: WebSocketTransport.Item.self)
        let (replies, replyWriter) = AsyncStream.makeStream(of: JSONValue.self, bufferingPolicy: .bufferingOldest(1))
        writer.yield(.text(JSONValue.object(["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": params]).jsonText))
        let connection = self
        let reply: JSONValue? = await withTaskGroup(of: JSONValue?.self) { group in
            group.addTask {
                try? await connection.run(outbound: outbound) { text in
                    if let value = JSONValue.parse(text), value["id"] == 1 { replyWriter.yield(value) }
                }
                replyWriter.finish()
                return nil
            }
            group.addTask {
                for await value in replies { return value }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var answer: JSONValue?
            for await value in group {
                answer = value
                break
            }
            writer.yield(.close)
            writer.finish()
            replyWriter.finish()
            connection.close()
            group.cancelAll()
            return answer
        }
        guard let reply else { throw MeshError(.timeout, "no reply to \(method) within \(timeout) (or the connection closed)") }
        if let error = reply["error"] {
            throw MeshError(.joinRefused, error["message"]?.stringValue ?? "refused")
        }
        return reply["result"] ?? .null
    }
}
