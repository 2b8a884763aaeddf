(function_declaration name: (identifier) @name) @def.function
(method_declaration receiver: (parameter_list (parameter_declaration type: [(type_identifier) @recv (pointer_type (type_identifier) @recv) (generic_type type: (type_identifier) @recv) (pointer_type (generic_type type: (type_identifier) @recv))])) name: (field_identifier) @name) @def.method
(type_spec name: (type_identifier) @name type: (interface_type)) @def.interface
(type_spec name: (type_identifier) @name type: [(struct_type) (type_identifier) (qualified_type) (function_type) (map_type) (slice_type) (generic_type) (pointer_type) (channel_type) (array_type)]) @def.class

(import_spec path: (interpreted_string_literal) @import)
(import_spec name: (package_identifier) @import.module)

(call_expression function: [(identifier) @ref.call (selector_expression field: (field_identifier) @ref.call)])
; Type references (`type_identifier` nodes) are collected by a plain tree walk in parse.rs:
; a catch-all pattern here made the query engine test every node.

; What declarations say a value's type is (see `parse::types`): parameters and receivers,
; struct fields, `var x T`, and `x := T{}` or `x := &T{}`.
(parameter_declaration name: (identifier) @bind.name type: (_) @bind.type)
(field_declaration name: (field_identifier) @bind.name type: (_) @bind.type)
(var_spec name: (identifier) @bind.name type: (_) @bind.type)
(short_var_declaration left: (expression_list (identifier) @bind.name) right: (expression_list [(composite_literal type: (type_identifier) @bind.type) (unary_expression operand: (composite_literal type: (type_identifier) @bind.type))]))
