(function_definition declarator: (function_declarator declarator: (identifier) @name)) @def.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))) @def.function
(function_definition declarator: (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))) @def.function
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @def.class
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @def.class
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @def.class
(type_definition declarator: (type_identifier) @name) @def.class
(preproc_function_def name: (identifier) @name) @def.macro
; A prototype with a doc comment documents the function's definition elsewhere (`parse::Decl`).
(declaration declarator: [(function_declarator declarator: (identifier) @name) (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))]) @decl.function

(preproc_include path: [(string_literal (string_content) @import) (system_lib_string) @import])

(call_expression function: [(identifier) @ref.call (field_expression field: (field_identifier) @ref.call)])
; Type references (`type_identifier` nodes) are collected by a plain tree walk in parse.rs:
; a catch-all pattern here made the query engine test every node.
