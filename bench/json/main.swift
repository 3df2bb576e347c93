import FoundationEssentials

// Old (JSONDecoder + try? chain) vs new (JSONParser) on a typical chat body, plus the
// serializer vs JSONEncoder and the issue's 510-deep header. Prints numbers; asserts nothing.

func measure(_ label: String, bytes: Int, iterations: Int, _ body: () -> Void) -> Double {
    for _ in 0..<max(1, iterations / 20) { body() }   // warm up
    let clock = ContinuousClock()
    let elapsed = clock.measure { for _ in 0..<iterations { body() } }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let perOp = seconds / Double(iterations) * 1e6
    let throughput = Double(bytes * iterations) / seconds / 1e6
    print(label + String(repeating: " ", count: max(1, 44 - label.count)) + "  \(format(perOp)) µs/op  \(format(throughput)) MB/s")
    return perOp
}

func format(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return String(rounded)
}

let turns = (0..<6).map { index -> String in
    let role = index % 2 == 0 ? "user" : "assistant"
    return #"{"role":"\#(role)","content":"Turn \#(index): explain how SQLite WAL mode keeps readers and the writer apart, with an example.\nKeep it short \u00e9 \ud83d\ude00."}"#
}
let chatBody = #"{"model":"gpt-4o-mini","stream":true,"temperature":0.7,"max_tokens":512,"messages":[{"role":"system","content":"You are a helpful assistant."},"#
    + turns.joined(separator: ",")
    + #"],"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}"#
let chatData = Data(chatBody.utf8)
let chatBytes = Array(chatBody.utf8)
let iterations = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 20_000

print("typical chat body: \(chatBytes.count) bytes, \(iterations) iterations (release build)")
let decoder = JSONDecoder()
let old = measure("parse: JSONDecoder + try? chain (old)", bytes: chatBytes.count, iterations: iterations) {
    _ = try? decoder.decode(LegacyJSONValue.self, from: chatData)
}
let new = measure("parse: JSONParser (new)", bytes: chatBytes.count, iterations: iterations) {
    _ = try? JSONParser().parse(chatBytes)
}
print("parse speed-up: \(format(old / new))x")

let value = (try? JSONParser().parse(chatBytes)) ?? .null
let encoder = JSONEncoder()
encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
let oldEncode = measure("serialize: JSONEncoder .sortedKeys (old)", bytes: chatBytes.count, iterations: iterations) {
    _ = try? encoder.encode(value)
}
let newEncode = measure("serialize: JSONSerializer (new)", bytes: chatBytes.count, iterations: iterations) {
    _ = JSONSerializer.serialize(value)
}
print("serialize speed-up: \(format(oldEncode / newEncode))x")

let deep = Data((String(repeating: "[", count: 510) + String(repeating: "]", count: 510)).utf8)
print("510 nested arrays (\(deep.count) bytes, the issue's JWT header):")
let oldDeep = measure("  old: JSONDecoder + try? chain", bytes: deep.count, iterations: 1) {
    _ = try? decoder.decode(LegacyJSONValue.self, from: deep)
}
let newDeep = measure("  new: JSONParser (refused at depth 64)", bytes: deep.count, iterations: 3_000) {
    _ = try? JSONParser().parse(deep)
}
print("  old/new: \(format(oldDeep / newDeep))x")

// A string that is all escapes: each one appended to the decoded buffer. Linear when the buffer
// is moved, not copied, between escapes (2 MB of "\n" took 15 s and more while it was copied).
let escapes = Array(("{\"content\":\"" + String(repeating: "\\n", count: 1_000_000) + "\"}").utf8)
_ = measure("parse: 1,000,000 escapes in one string", bytes: escapes.count, iterations: 3) {
    _ = try? JSONParser().parse(escapes)
}
