(function_declaration name: (identifier) @name) @def.function
(generator_function_declaration name: (identifier) @name) @def.function
(class_declaration name: (type_identifier) @name) @def.class
(abstract_class_declaration name: (type_identifier) @name) @def.class
(interface_declaration name: (type_identifier) @name) @def.interface
(type_alias_declaration name: (type_identifier) @name) @def.class
(enum_declaration name: (identifier) @name) @def.class
(method_definition name: [(property_identifier) (private_property_identifier)] @name) @def.method
(abstract_method_signature name: [(property_identifier) (private_property_identifier)] @name) @def.method
(interface_body (method_signature name: (property_identifier) @name) @def.method)
(public_field_definition name: [(property_identifier) (private_property_identifier)] @name value: [(arrow_function) (function_expression)]) @def.method
(variable_declarator name: (identifier) @name value: [(function_expression) (arrow_function) (class) (generator_function)]) @def.function
(expression_statement (assignment_expression left: [(member_expression) (subscript_expression)] @name right: [(function_expression) (arrow_function) (class)])) @def.function
(pair key: [(property_identifier) (string)] @name value: [(function_expression) (arrow_function)]) @def.method
(program (lexical_declaration (variable_declarator name: (identifier) @name)) @def.constant)
(export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @name)) @def.constant)
(internal_module name: (identifier) @name) @def.module
; Declarations of code written elsewhere (`declare function`, an `index.d.ts` beside the
; JavaScript): bodiless, but what the API's users read and its docs are written on.
(ambient_declaration (function_signature name: (identifier) @name)) @def.function
(ambient_declaration (internal_module body: (statement_block (function_signature name: (identifier) @name) @def.function)))
(ambient_declaration (internal_module body: (statement_block (export_statement declaration: (function_signature name: (identifier) @name)) @def.function)))
(ambient_declaration (module body: (statement_block (function_signature name: (identifier) @name) @def.function)))
(ambient_declaration (module body: (statement_block (export_statement declaration: (function_signature name: (identifier) @name)) @def.function)))

(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
(call_expression function: (identifier) @_req arguments: (arguments . (string (string_fragment) @import)) (#eq? @_req "require"))
(import_clause (identifier) @import.name)
(namespace_import (identifier) @import.module)
(import_specifier name: (identifier) @import.name)
(import_specifier alias: (identifier) @import.name)
; A `require` call's declarator binds its name as `import.name` too (see `imports::push_import`).
(import_require_clause (identifier) @import.name)

(extends_clause value: [(identifier) @inherit (member_expression property: (property_identifier) @inherit)])
(implements_clause (type_identifier) @inherit)
(extends_type_clause type: (type_identifier) @inherit)

(call_expression function: [(identifier) @ref.call (member_expression property: (property_identifier) @ref.call)])
(new_expression constructor: [(identifier) @ref.call (member_expression property: (property_identifier) @ref.call)])
; Type references (`type_identifier` nodes) are collected by a plain tree walk in parse.rs:
; a catch-all pattern here made the query engine test every node.

; What declarations say a value's type is (see `parse::types`): annotated parameters, fields and
; variables, a constructor's parameter properties (the class's fields), `const x = new T()` and
; `this.x = new T()` in a method.
(required_parameter pattern: (identifier) @bind.name type: (type_annotation) @bind.type)
(optional_parameter pattern: (identifier) @bind.name type: (type_annotation) @bind.type)
(required_parameter (accessibility_modifier) @_modifier pattern: (identifier) @bind.field type: (type_annotation) @bind.type)
(public_field_definition name: (property_identifier) @bind.name type: (type_annotation) @bind.type)
(variable_declarator name: (identifier) @bind.name type: (type_annotation) @bind.type)
(variable_declarator name: (identifier) @bind.name value: (new_expression constructor: (identifier) @bind.new))
(assignment_expression left: (member_expression object: (this) @_self property: (property_identifier) @bind.field) right: (new_expression constructor: (identifier) @bind.new))
