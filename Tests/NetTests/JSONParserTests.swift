import Testing
import Net
import FoundationEssentials

@Suite("JSON parser and serializer")
struct JSONParserTests {
    func parse(_ text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try JSONParser(maxDepth: maxDepth).parse(Array(text.utf8))
    }

    func error(_ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth, maxBytes: Int = .max) -> JSONParseError? {
        do {
            _ = try JSONParser(maxDepth: maxDepth, maxBytes: maxBytes).parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    func error(_ text: String) -> JSONParseError? { error(Array(text.utf8)) }

    @Test func parsesEveryKindOfValue() throws {
        #expect(try parse(#" {"a": [1, -2, 3.5, true, false, null, "x"], "b": {}, "c": []} "#)
                == ["a": [1, -2, 3.5, true, false, nil, "x"], "b": [:], "c": []])
        #expect(try parse("0") == 0 && parse("-0") == 0 && parse("\"\"") == "")
        #expect(try parse("9223372036854775807") == .int(.max))
        #expect(try parse("-9223372036854775808") == .int(.min))
        // Beyond Int64: a double, never a trap.
        #expect(try parse("9223372036854775808") == .double(9223372036854775808.0))
        #expect(try parse("-9223372036854775809") == .double(-9223372036854775809.0))
        #expect(try parse("1e300") == .double(1e300) && parse("-1e19") == .double(-1e19))
        // Integral values written with a fraction or exponent are integers (as JSONDecoder read them).
        #expect(try parse("2.0") == 2 && parse("1e3") == 1000 && parse("9.0e15") == .int(9_000_000_000_000_000))
        #expect(try parse("0.1") == .double(0.1) && parse("1E-2") == .double(0.01) && parse("-1.5e+2") == -150 && parse("-1.25e+1") == .double(-12.5) && parse("1.25") == .double(1.25))
        #expect(try parse("1e-400") == 0)
        // Past 2^53 a fraction or exponent stays a double: rounding must not bring 2^63 into range.
        #expect(try parse("9223372036854775807.0") == .double(9223372036854775807.0))
        #expect(try parse("-9223372036854775809.0") == .double(-9223372036854775809.0))
        #expect(try parse("9007199254740992.0") == .int(9_007_199_254_740_992))
    }

    @Test func decodesEscapesAndUnicode() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t""#) == "a\"b\\c/d\u{8}\u{c}\n\r\t")
        #expect(try parse(#""\u0041\u00e9\u4e2d""#) == "Aé中")
        #expect(try parse(#""\ud83d\ude00 and \uD83D\uDE00""#) == "😀 and 😀")
        #expect(try parse("\"héllo 中文 😀\"") == "héllo 中文 😀")
        #expect(try parse(#"{"\u006b": "v"}"#) == ["k": "v"])
        #expect(try parse(#""\u0000""#) == "\u{0}")
    }

    @Test func refusesWhatRFC8259Refuses() {
        let cases: [(String, JSONParseError.Code)] = [
            ("", .empty), ("   ", .unexpectedEnd), ("[", .unexpectedEnd), ("[1,", .unexpectedEnd), (#"{"a""#, .unexpectedEnd),
            ("[1,]", .unexpectedByte(UInt8(ascii: "]"))), (#"{"a":1,}"#, .unexpectedByte(UInt8(ascii: "}"))),
            ("{a:1}", .unexpectedByte(UInt8(ascii: "a"))), ("[1 2]", .unexpectedByte(UInt8(ascii: "2"))),
            ("01", .trailingData), ("1.", .unexpectedEnd), ("1.e5", .invalidNumber), (".5", .unexpectedByte(UInt8(ascii: "."))),
            ("+1", .unexpectedByte(UInt8(ascii: "+"))), ("-", .unexpectedEnd), ("-a", .invalidNumber), ("1e", .unexpectedEnd),
            ("1e+", .unexpectedEnd), ("NaN", .unexpectedByte(UInt8(ascii: "N"))), ("Infinity", .unexpectedByte(UInt8(ascii: "I"))),
            ("1e400", .numberOutOfRange), ("-1e400", .numberOutOfRange),
            ("tru", .unexpectedEnd), ("trUe", .invalidLiteral), ("nul1", .invalidLiteral), ("[1] x", .trailingData), ("{}{}", .trailingData),
            (#""\x""#, .invalidEscape), (#""\u12G4""#, .invalidEscape), (#""\u12"#, .unexpectedEnd),
            (#""\ud800""#, .loneSurrogate), (#""\udc00""#, .loneSurrogate), (#""\ud800\u0041""#, .loneSurrogate),
            (#""\ud800x""#, .loneSurrogate), ("\"a\tb\"", .controlCharacterInString), ("\"a\nb\"", .controlCharacterInString),
            ("'a'", .unexpectedByte(UInt8(ascii: "'"))), ("[1]//", .trailingData),
        ]
        for (text, expected) in cases {
            #expect(error(text)?.code == expected, "\(text.debugDescription) gave \(String(describing: error(text)))")
        }
        #expect(error("[1, 2 x")?.offset == 6)
        #expect(error(#"{"k": tru}"#)?.offset == 9)
    }

    @Test func refusesInvalidUTF8() throws {
        let quote = UInt8(ascii: "\"")
        for sequence: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE4, 0xB8], [0xFF], [0x80],
                                  [0xF4, 0x90, 0x80, 0x80]] {
            #expect(error([quote] + sequence + [quote])?.code == .invalidUTF8, "\(sequence)")
            // Also after an escape (the slow path).
            #expect(error([quote] + Array(#"\n"#.utf8) + sequence + [quote])?.code == .invalidUTF8, "\(sequence)")
        }
        #expect(error([0xC3, 0xA9])?.code == .unexpectedByte(0xC3))
        // A leading byte-order mark is skipped (RFC 8259 §8.1 allows it), nowhere else.
        #expect(try JSONParser().parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
        #expect(error(Array("[".utf8) + [0xEF, 0xBB, 0xBF] + Array("1]".utf8))?.code == .unexpectedByte(0xEF))
    }

    @Test func limitsDepthAndSize() throws {
        func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
        #expect(try parse(nested(64)) != .null)
        #expect(error(nested(65))?.code == .tooDeep(limit: 64))
        #expect(error(nested(65))?.offset == 64)
        #expect(error(Array(nested(100_000).utf8))?.code == .tooDeep(limit: 64))
        let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(error(objects)?.code == .tooDeep(limit: 64))
        #expect(error(Array(nested(3).utf8), maxDepth: 2)?.code == .tooDeep(limit: 2))
        #expect(error(Array("[1,2,3]".utf8), maxBytes: 6)?.code == .tooLarge(limit: 6))
        #expect(try JSONParser(maxBytes: 7).parse(Array("[1,2,3]".utf8)) == [1, 2, 3])
        // Wide is fine: width is not depth.
        let wide = "[" + Array(repeating: "[1]", count: 50_000).joined(separator: ",") + "]"
        #expect(try parse(wide).arrayValue?.count == 50_000)
    }

    @Test func duplicateKeysKeepTheFirstValue() throws {
        #expect(try parse(#"{"a":1,"a":2}"#) == ["a": 1])
    }

    @Test func parsesFromDataStringAndSlices() throws {
        let text = #"{"k":[1,"two",3.5]}"#
        let expected: JSONValue = ["k": [1, "two", 3.5]]
        #expect(try JSONParser().parse(Data(text.utf8)) == expected)
        #expect(try JSONParser().parse(text) == expected)
        #expect(try JSONParser().parse(Array(("xx" + text).utf8).dropFirst(2)) == expected)
        #expect(JSONValue.parse(text) == expected && JSONValue.parse("{") == nil)
    }

    /// The serializer writes what JSONEncoder (sorted keys, unescaped slashes) wrote, so
    /// stored digests and the tests that compare text keep their values.
    @Test func serializerMatchesJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let samples: [JSONValue] = [
            nil, true, false, 0, -1, .int(.max), .int(.min), 0.1, 1e-5, 1e20, -0.0, 1.5e300, 123456789012345678.0, 2.5,
            "", "plain", "\"lead", "trail\\", "\n\n", "x\u{0}y", "a/b \"q\" \\ \n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} é 中 😀 \u{2028}",
            [], [:], [1, "x", [nil]],
            ["b": 1, "B": 1, "a": 1, "A": 1, "_": 1, "10": 1, "9": 1, "é": 1, "z": ["y": [:], "x": []], "aa": 1, "a1": 1],
        ]
        for sample in samples {
            let expected = String(decoding: try encoder.encode(sample), as: UTF8.self)
            #expect(sample.jsonText == expected)
            #expect(try JSONParser().parse(sample.encoded()) == sample || sample == .double(-0.0))
        }
        #expect(JSONValue.double(.infinity).jsonText == "null" && JSONValue.array([.double(.nan)]).jsonText == "[null]")
    }
}
