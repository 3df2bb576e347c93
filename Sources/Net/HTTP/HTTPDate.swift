import Glibc
import Synchronization

/// The `Date` header every answer carries (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37
/// GMT"), formatted once per second: reading the clock is a vDSO call, formatting is not.
public final class HTTPDate: Sendable {
    private struct Cached {
        var second: Int = .min
        var text = ""
    }
    private let cached = Mutex(Cached())

    public init() {}

    /// Now, to the second.
    public var now: String {
        let second = time(nil)
        return cached.withLock { cached in
            if cached.second != second {
                cached = Cached(second: second, text: Self.format(secondsSince1970: second))
            }
            return cached.text
        }
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The civil date of a day count is Howard Hinnant's `civil_from_days` (proleptic
    /// Gregorian, valid for any Int day count a clock gives).
    static func format(secondsSince1970 seconds: Int) -> String {
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let day = secondOfDay < 0 ? days - 1 : days
        let inDay = secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((day % 7) + 11) % 7   // 1970-01-01 was a Thursday (4)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[weekday]), \(two(dayOfMonth)) \(months[month - 1]) \(year) "
            + "\(two(inDay / 3_600)):\(two(inDay / 60 % 60)):\(two(inDay % 60)) GMT"
    }
}
