public import HTTPTypes

extension HTTPFields {
    /// The value `self[name]` gives, found by one walk over the fields. The subscript reads
    /// even a single field through a generic `lazy.map.joined`: ~4,000 instructions a lookup,
    /// two lookups on every request (callgrind). Repeated fields still go through the
    /// subscript, which joins them.
    public func value(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            if found != nil { return self[name] }
            found = field.value
        }
        return found
    }
}
