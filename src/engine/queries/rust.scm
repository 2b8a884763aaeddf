; Definitions: @def.<kind> is the whole definition node (its range is what we cite), @name its name.
(function_item name: (identifier) @name) @def.function
(function_signature_item name: (identifier) @name) @def.function
(struct_item name: (type_identifier) @name) @def.class
(enum_item name: (type_identifier) @name) @def.class
(union_item name: (type_identifier) @name) @def.class
(type_item name: (type_identifier) @name) @def.class
(trait_item name: (type_identifier) @name) @def.interface
(const_item name: (identifier) @name) @def.constant
(static_item name: (identifier) @name) @def.constant
(macro_definition name: (identifier) @name) @def.macro

; Imports
(use_declaration argument: (_) @import)
(mod_item name: (identifier) @import.mod !body)

; Inheritance: `impl Trait for Type`
(impl_item trait: [(type_identifier) @inherit (scoped_type_identifier name: (type_identifier) @inherit) (generic_type type: (type_identifier) @inherit)])

; References and calls
(call_expression function: (identifier) @ref.call)
(call_expression function: (field_expression field: (field_identifier) @ref.call))
(call_expression function: (scoped_identifier name: (identifier) @ref.call))
(call_expression function: (generic_function function: [(identifier) @ref.call (scoped_identifier name: (identifier) @ref.call) (field_expression field: (field_identifier) @ref.call)]))
(macro_invocation macro: (identifier) @ref.macro)
; Type references (`type_identifier` nodes) are collected by a plain tree walk in parse.rs:
; a catch-all pattern here made the query engine test every node.

; What declarations say a value's type is (see `parse::types`): parameters, struct fields,
; `let x: T`, `let x = T::new(…)` and `let x = T { … }` for a type `T`, and what a smart
; pointer is made to hold (`Arc::new(T::new(…))`, `Box::new(T { … })`).
(parameter pattern: (identifier) @bind.name type: (_) @bind.type)
(field_declaration name: (field_identifier) @bind.name type: (_) @bind.type)
(let_declaration pattern: (identifier) @bind.name type: (_) @bind.type)
(let_declaration pattern: (identifier) @bind.name value: [(call_expression function: (scoped_identifier path: (identifier) @bind.new)) (struct_expression name: (_) @bind.new)])
(let_declaration pattern: (identifier) @bind.name value: (call_expression function: (scoped_identifier path: (identifier) @bind.new) arguments: (arguments [(call_expression function: (scoped_identifier path: (identifier) @bind.held)) (struct_expression name: (_) @bind.held)])))
