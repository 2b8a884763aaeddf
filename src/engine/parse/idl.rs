//! Definitions of interface description files, which say what a service's messages carry and
//! which calls it answers: Protocol Buffers (`message`, `service`, `rpc`, `oneof`), Thrift
//! (`struct`, `exception`, `union`, `service`, its functions) and GraphQL schemas (`type`,
//! `input`, `union`, `scalar`, and the fields of `Query`, `Mutation` and `Subscription`,
//! which are its operations). `text.rs` reads their lines and asks here what a line opens;
//! enums, interfaces, and the braces that end each, are the general reader's.

use crate::engine::parse::Kind;

/// Whether `language` (a `Lang::label`) is read here.
fn reads(language: &str) -> bool {
    matches!(language, "protobuf" | "thrift" | "graphql")
}

/// What the line `t` opens in `language` inside the definition `parent` (its kind and
/// qualified name): its kind and name.
pub(super) fn header<'a>(
    language: &str,
    t: &'a str,
    parent: Option<(Kind, &str)>,
) -> Option<(Kind, &'a str)> {
    if !reads(language) {
        return None;
    }
    if language == "graphql" {
        return graphql(t, parent);
    }
    let parent = parent.map(|p| p.0);
    let (word, rest) = t.split_once(char::is_whitespace)?;
    let kind = match (language, word) {
        ("protobuf", "message") | ("thrift", "struct" | "union" | "exception") => Kind::Class,
        (_, "service") => Kind::Interface,
        ("protobuf", "rpc") => Kind::Method,
        // A `oneof` names the choice among its fields.
        ("protobuf", "oneof") => Kind::Constant,
        ("thrift", _) if parent == Some(Kind::Interface) => return thrift_function(t),
        _ => return None,
    };
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    (!name.is_empty()).then_some((kind, name))
}

/// A GraphQL type (`type User @key(fields: "id") {`, `extend type Query {`, `input`,
/// `union`, `scalar`), or an operation: a field of the root types (`user(id: ID!): User`).
fn graphql<'a>(t: &'a str, parent: Option<(Kind, &str)>) -> Option<(Kind, &'a str)> {
    let t = t.strip_prefix("extend ").unwrap_or(t);
    if let Some((word, rest)) = t.split_once(char::is_whitespace)
        && matches!(word, "type" | "input" | "union" | "scalar")
    {
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        return (end > 0).then_some((Kind::Class, &rest[..end]));
    }
    let root = matches!(
        parent,
        Some((Kind::Class, "Query" | "Mutation" | "Subscription"))
    );
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    let field = end > 0 && t[end..].trim_start().starts_with(['(', ':']);
    (root && field).then_some((Kind::Method, &t[..end]))
}

/// A Thrift service's function: `oneway void ping(),`, `list<Item> find(1: string q) throws
/// (1: NotFound e)`.
fn thrift_function(t: &str) -> Option<(Kind, &str)> {
    let open = t.find('(')?;
    let before = t[..open].trim_end();
    let start = before
        .char_indices()
        .rfind(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let name = &before[start..];
    // A return type (and `oneway`) comes before the name.
    (start > 0 && !name.is_empty()).then_some((Kind::Method, name))
}

#[cfg(test)]
mod tests {
    use crate::engine::parse::Kind;
    use crate::engine::parse::text::tests::defs_with_docs as defs;

    /// A definition as `defs` lists it.
    fn d(
        qual: &str,
        kind: Kind,
        start: u32,
        end: u32,
        doc: &str,
    ) -> (String, Kind, u32, u32, String) {
        (qual.to_string(), kind, start, end, doc.to_string())
    }

    #[test]
    fn protobuf_messages_services_and_their_calls() {
        let proto = "syntax = \"proto3\";\n\
                     package demo.v1;\n\
                     \n\
                     // A user of the service.\n\
                     message User {\n\
                     \x20 string name = 1; // shown to others\n\
                     \x20 // Where the user can be reached.\n\
                     \x20 message Address {\n\
                     \x20   string city = 1;\n\
                     \x20 }\n\
                     \x20 oneof contact {\n\
                     \x20   string email = 2;\n\
                     \x20 }\n\
                     \x20 enum Role {\n\
                     \x20   ROLE_UNSPECIFIED = 0;\n\
                     \x20 }\n\
                     }\n\
                     \n\
                     service Users {\n\
                     \x20 // Creates a user, or fails if the name is taken.\n\
                     \x20 rpc CreateUser(CreateUserRequest) returns (User);\n\
                     \x20 rpc Watch(WatchRequest) returns (stream User) {\n\
                     \x20   option (google.api.http) = { get: \"/v1/users\" };\n\
                     \x20 }\n\
                     }\n";
        assert_eq!(
            defs(proto, "protobuf"),
            [
                d("User", Kind::Class, 5, 17, "A user of the service."),
                d(
                    "User.Address",
                    Kind::Class,
                    8,
                    10,
                    "Where the user can be reached."
                ),
                d("User.contact", Kind::Constant, 11, 13, ""),
                d("User.Role", Kind::Class, 14, 16, ""),
                d("Users", Kind::Interface, 19, 25, ""),
                d(
                    "Users.CreateUser",
                    Kind::Method,
                    21,
                    21,
                    "Creates a user, or fails if the name is taken."
                ),
                d("Users.Watch", Kind::Method, 22, 24, ""),
            ]
        );
    }

    #[test]
    fn graphql_types_and_the_operations_of_the_root_types() {
        let schema = "\"\"\"\n\
                      A person with an account.\n\
                      \"\"\"\n\
                      type User @key(fields: \"id\") {\n\
                      \x20 id: ID!\n\
                      \x20 name(format: NameFormat): String\n\
                      }\n\
                      \n\
                      union SearchResult = User | Post\n\
                      scalar DateTime\n\
                      \n\
                      type Query {\n\
                      \x20 \"\"\"The users whose names start with the prefix.\"\"\"\n\
                      \x20 users(\n\
                      \x20   prefix: String\n\
                      \x20 ): [User!]!\n\
                      \x20 me: User\n\
                      }\n\
                      \n\
                      extend type Mutation {\n\
                      \x20 rename(id: ID!, name: String!): User\n\
                      }\n";
        assert_eq!(
            defs(schema, "graphql"),
            [
                d("User", Kind::Class, 4, 7, "A person with an account."),
                d("SearchResult", Kind::Class, 9, 9, ""),
                d("DateTime", Kind::Class, 10, 10, ""),
                d("Query", Kind::Class, 12, 18, ""),
                d(
                    "Query.users",
                    Kind::Method,
                    14,
                    16,
                    "The users whose names start with the prefix."
                ),
                d("Query.me", Kind::Method, 17, 17, ""),
                d("Mutation", Kind::Class, 20, 22, ""),
                d("Mutation.rename", Kind::Method, 21, 21, ""),
            ]
        );
    }

    #[test]
    fn thrift_structs_exceptions_and_service_functions() {
        let thrift = "namespace py tutorial\n\
                      \n\
                      /** An operation failed. */\n\
                      exception InvalidOperation {\n\
                      \x20 1: i32 whatOp,\n\
                      \x20 2: string why\n\
                      }\n\
                      \n\
                      service Calculator extends shared.SharedService {\n\
                      \x20 /** Adds two numbers. */\n\
                      \x20 i32 add(1:i32 num1, 2:i32 num2),\n\
                      \x20 oneway void zip()\n\
                      }\n";
        assert_eq!(
            defs(thrift, "thrift"),
            [
                d(
                    "InvalidOperation",
                    Kind::Class,
                    4,
                    7,
                    "An operation failed."
                ),
                d("Calculator", Kind::Interface, 9, 13, ""),
                d("Calculator.add", Kind::Method, 11, 11, "Adds two numbers."),
                d("Calculator.zip", Kind::Method, 12, 12, ""),
            ]
        );
    }
}
