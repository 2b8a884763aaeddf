(function_definition declarator: (function_declarator declarator: [(identifier) (qualified_identifier) (field_identifier) (destructor_name) (operator_name)] @name)) @def.function
(function_definition declarator: (pointer_declarator declarator: (function_declarator declarator: [(identifier) (qualified_identifier) (field_identifier)] @name))) @def.function
(function_definition declarator: (reference_declarator (function_declarator declarator: [(identifier) (qualified_identifier) (field_identifier)] @name))) @def.function
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @def.class
(class_specifier name: (type_identifier) @name body: (field_declaration_list)) @def.class
; `class my_export Status { … }` reads as a function `Status` returning the class specifier (a
; macro the grammar cannot expand): it is the class `Status`. Macros written in capitals, as
; nearly all are, never reach the grammar (`parse/export_macros.rs`).
(function_definition type: [(class_specifier) (struct_specifier)] declarator: (identifier) @name body: (compound_statement)) @def.class
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @def.class
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @def.class
(type_definition declarator: (type_identifier) @name) @def.class
(alias_declaration name: (type_identifier) @name) @def.class
(preproc_function_def name: (identifier) @name) @def.macro
; A declaration with a doc comment documents the function's definition elsewhere (`parse::Decl`):
; members in a class body, and prototypes in a header (or in a class the grammar read as a block,
; where `virtual Status Put(…) = 0;` is a declarator initialised to 0).
(field_declaration declarator: [(function_declarator declarator: [(field_identifier) (destructor_name) (operator_name)] @name) (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name)) (reference_declarator (function_declarator declarator: (field_identifier) @name))]) @decl.function
(declaration declarator: [(function_declarator declarator: [(identifier) (qualified_identifier) (destructor_name) (operator_name)] @name) (init_declarator declarator: (function_declarator declarator: [(identifier) (qualified_identifier) (destructor_name) (operator_name)] @name)) (pointer_declarator declarator: (function_declarator declarator: [(identifier) (qualified_identifier)] @name)) (reference_declarator (function_declarator declarator: [(identifier) (qualified_identifier)] @name))]) @decl.function

(preproc_include path: [(string_literal (string_content) @import) (system_lib_string) @import])

(base_class_clause (type_identifier) @inherit)

(call_expression function: [(identifier) @ref.call (field_expression field: (field_identifier) @ref.call) (qualified_identifier name: (identifier) @ref.call)])
; Type references (`type_identifier` nodes) are collected by a plain tree walk in parse.rs:
; a catch-all pattern here made the query engine test every node.

; What declarations say a value's type is (see `parse::types`): parameters, fields and locals,
; through pointer and reference declarators.
(parameter_declaration type: (_) @bind.type declarator: [(identifier) @bind.name (pointer_declarator declarator: (identifier) @bind.name) (reference_declarator (identifier) @bind.name)])
(field_declaration type: (_) @bind.type declarator: [(field_identifier) @bind.name (pointer_declarator declarator: (field_identifier) @bind.name) (reference_declarator (field_identifier) @bind.name)])
(declaration type: (_) @bind.type declarator: [(identifier) @bind.name (init_declarator declarator: [(identifier) @bind.name (pointer_declarator declarator: (identifier) @bind.name) (reference_declarator (identifier) @bind.name)])])
