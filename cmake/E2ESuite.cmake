# One test program per area, its tests labelled by group:
#
#   e2e_add_program(NAME backends
#     SOURCES backend_test.cpp interrupt_test.cpp
#     [LIBS extra_targets] [DEFINES NAME=value])
#   e2e_add_tests(PROGRAM backends
#     [PREFIX Local]               # the group: gtest instance Local/... and suite Local.*
#     AREA backends SUBSKILL local [more sub-skills] COST quick|long [NEEDS root kvm]
#     [TOOLS vykar restic ...]     # tests named …/<tool>_… or …/<tool> also get the tool's label
#     [BACKENDS local rest ...]    # with TOOLS: tests named …/<tool>_<backend>_… also get the backend label
#     [MATRIX_BACKENDS rest s3]    # with BACKENDS: rows on these run in the gate for their gate tool only
#     [MATRIX_ON local]            # with TOOLS: the group runs on this kind; in the gate only its gate tool
#     [MATRIX]                     # with TOOLS: every row of the group is matrix only (the same scenario must
#                                  # run for every tool in the gate elsewhere: Gate.KeepsEveryScenarioForEveryTool)
#     [TIMEOUT 900] [NO_JANITOR]
#     [LOCK resource]              # tests holding one machine-wide resource run one at a time
#     [SERIAL])                    # runs with nothing else beside it (under ctest --parallel)
#
# A program with more than one group gives each its PREFIX. e2e_add_suite()
# is both in one call for a program that is one group (NAME, SOURCES, LIBS,
# DEFINES and e2e_add_tests' arguments). A new area is its folder under
# test/ with one such CMakeLists.txt, plus one add_subdirectory line.
#
# A skipped gtest (GTEST_SKIP) is reported by ctest as "Not Run" with its
# reason, never as a pass (gtest_discover_tests sets SKIP_REGULAR_EXPRESSION).

define_property(GLOBAL PROPERTY E2E_FIXTURES_SETUP BRIEF_DOCS "fixtures set up" FULL_DOCS "e2e fixtures with a setup test")
define_property(GLOBAL PROPERTY E2E_FIXTURES_REQUIRED BRIEF_DOCS "fixtures required" FULL_DOCS "e2e fixtures some test requires")

# The tools come from the registry (helpers/tools/Registry.cpp), one entry per line.
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/../helpers/tools/Registry.cpp" _e2e_registry REGEX "^        \\{\"[a-z0-9-]+\", \"")
set(E2E_ALL_TOOLS)
foreach(_line IN LISTS _e2e_registry)
  string(REGEX REPLACE "^        \\{\"([a-z0-9-]+)\".*" "\\1" _tool "${_line}")
  list(APPEND E2E_ALL_TOOLS ${_tool})
endforeach()
if(NOT E2E_ALL_TOOLS)
  message(FATAL_ERROR "no tools read from helpers/tools/Registry.cpp (the registry's layout changed?)")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/../helpers/tools/Registry.cpp")

# The backend kinds come from the backend registry (helpers/config/Backends.hpp),
# one X(kind, TestPrefix, ...) line each: E2E_ALL_BACKENDS and, per kind,
# E2E_BACKEND_PREFIX_<kind> (the test-name prefix: Local, Rest, ...).
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/../helpers/config/Backends.hpp" _e2e_backend_lines REGEX "^    X\\([a-z0-9]+, [A-Za-z0-9]+,")
# each line ends with the macro's continuation backslash, which would escape the list's separator
string(REPLACE "\\" "" _e2e_backend_lines "${_e2e_backend_lines}")
set(E2E_ALL_BACKENDS)
foreach(_line IN LISTS _e2e_backend_lines)
  string(REGEX REPLACE "^    X\\(([a-z0-9]+), ([A-Za-z0-9]+),.*" "\\1;\\2" _pair "${_line}")
  list(GET _pair 0 _kind)
  list(GET _pair 1 _prefix)
  list(APPEND E2E_ALL_BACKENDS ${_kind})
  set(E2E_BACKEND_PREFIX_${_kind} ${_prefix})
endforeach()
if(NOT E2E_ALL_BACKENDS)
  message(FATAL_ERROR "no backends read from helpers/config/Backends.hpp (the registry's layout changed?)")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/../helpers/config/Backends.hpp")

# The CI gate and the matrix. `scripts/e2e test` (the gate, .ci/run) runs every
# test but those labelled `matrix`; `scripts/e2e matrix` and the nightly workflow
# run them all. A group marks its matrix rows with MATRIX_BACKENDS (rows on those
# backends) or MATRIX_ON <kind> (the whole group runs on that backend kind): such
# rows stay in the gate for one tool only, the kind's gate tool
# (E2E_GATE_TOOL_<kind>); MATRIX puts the whole group in the matrix. Each kind, in the backend registry's order, gets the
# first tool of the tool registry that speaks it (its driver's Capabilities::backends)
# and has no kind yet, the tools bootstrap installs before the others: so the
# remote kinds are spread over different tools and none needs vykar.
set(_e2e_bootstrap_tools)
set(_e2e_other_tools)
foreach(_line IN LISTS _e2e_registry)
  string(REGEX REPLACE "^        \\{\"([a-z0-9-]+)\".*" "\\1" _tool "${_line}")
  if(_line MATCHES "\"scripts/bootstrap")
    list(APPEND _e2e_bootstrap_tools ${_tool})
  else()
    list(APPEND _e2e_other_tools ${_tool})
  endif()
  # its driver's one line `c.backends = {"local", "sftp"};` (helpers/tools/<Tool>Tool.cpp)
  string(SUBSTRING ${_tool} 0 1 _first)
  string(TOUPPER ${_first} _first)
  string(SUBSTRING ${_tool} 1 -1 _rest)
  set(_driver "${CMAKE_CURRENT_LIST_DIR}/../helpers/tools/${_first}${_rest}Tool.cpp")
  set(_speaks)
  if(EXISTS "${_driver}")
    file(STRINGS "${_driver}" _speaks REGEX "^    c\\.backends = \\{")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_driver}")
  endif()
  if(NOT _speaks)
    message(FATAL_ERROR "no `c.backends = {...};` line in ${_driver} (the gate needs the kinds ${_tool} speaks)")
  endif()
  string(REGEX MATCHALL "\"[a-z0-9-]+\"" _speaks "${_speaks}")
  string(REPLACE "\"" "" _e2e_speaks_${_tool} "${_speaks}")
endforeach()
# the registry's first kind (local) runs every tool in the gate; the others are E2E_MATRIX_BACKENDS
set(E2E_MATRIX_BACKENDS ${E2E_ALL_BACKENDS})
list(REMOVE_AT E2E_MATRIX_BACKENDS 0)
set(_e2e_picked)
foreach(_kind IN LISTS E2E_ALL_BACKENDS)
  set(_pick "")
  # a bootstrap tool with no kind yet, else any bootstrap tool, else any tool
  foreach(_pass unpicked bootstrap any)
    set(_pool ${_e2e_bootstrap_tools})
    if(_pass STREQUAL "any")
      list(APPEND _pool ${_e2e_other_tools})
    endif()
    foreach(_tool IN LISTS _pool)
      if(_pick STREQUAL "" AND _kind IN_LIST _e2e_speaks_${_tool}
         AND NOT (_pass STREQUAL "unpicked" AND _tool IN_LIST _e2e_picked))
        set(_pick ${_tool})
      endif()
    endforeach()
  endforeach()
  if(_pick STREQUAL "")
    message(FATAL_ERROR "no tool's driver speaks the backend kind '${_kind}' (Capabilities::backends)")
  endif()
  set(E2E_GATE_TOOL_${_kind} ${_pick})
  list(APPEND _e2e_picked ${_pick})
  message(STATUS "CI gate: ${_kind} rows marked matrix run in the gate with ${_pick}")
endforeach()

# Known findings (seeds/known-findings.txt): the test prints its outcome last ("[e2e] outcome: ..."), KNOWN FINDING
# where the row fails with the tool in a version the line names (its report still says FAIL and why), UNEXPECTED PASS
# where it passes in such a version, and as any row in another version; ctest accepts PASS and KNOWN FINDING only.
set(E2E_KNOWN_FINDINGS_FILE "${CMAKE_CURRENT_LIST_DIR}/../seeds/known-findings.txt")
file(STRINGS "${E2E_KNOWN_FINDINGS_FILE}" _e2e_findings REGEX "^[^#].* \\| ")
# An intermittent finding ('| intermittent at <layer> when "<text>": ...'): the row may pass or fail there, so ctest
# accepts either outcome the test prints ("[e2e] outcome: PASS" or "... KNOWN INTERMITTENT FINDING"), nothing else.
set(E2E_KNOWN_FINDING_PATTERNS "")   # each quoted, for the scripts ctest reads
set(E2E_INTERMITTENT_FINDING_PATTERNS "")
foreach(_line IN LISTS _e2e_findings)
  string(REGEX REPLACE " \\| .*" "" _pattern "${_line}")
  # written into quoted strings of the label scripts: a regex's backslash must survive CMake's escapes
  string(REPLACE "\\" "\\\\" _pattern "${_pattern}")
  if(_line MATCHES " \\| intermittent at ")
    string(APPEND E2E_INTERMITTENT_FINDING_PATTERNS " \"${_pattern}\"")
  else()
    string(APPEND E2E_KNOWN_FINDING_PATTERNS " \"${_pattern}\"")
  endif()
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${E2E_KNOWN_FINDINGS_FILE}")

function(e2e_add_program)
  cmake_parse_arguments(P "" "NAME" "SOURCES;LIBS;DEFINES" ${ARGN})
  if(NOT P_NAME OR NOT P_SOURCES)
    message(FATAL_ERROR "e2e_add_program: NAME and SOURCES are required (program '${P_NAME}')")
  endif()
  add_executable(${P_NAME} ${P_SOURCES})
  target_link_libraries(${P_NAME} PRIVATE e2e_fixtures GTest::gtest GTest::gmock e2e_gtest_main ${P_LIBS})
  if(P_DEFINES)
    target_compile_definitions(${P_NAME} PRIVATE ${P_DEFINES})
  endif()
endfunction()

function(e2e_add_suite)
  cmake_parse_arguments(S "NO_JANITOR;SERIAL" "NAME;AREA;COST;TIMEOUT;LOCK;MATRIX_ON"
    "SOURCES;LIBS;DEFINES;TOOLS;BACKENDS;NEEDS;SUBSKILL;MATRIX_BACKENDS" ${ARGN})
  if(S_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "e2e_add_suite(${S_NAME}): unknown arguments '${S_UNPARSED_ARGUMENTS}'")
  endif()
  e2e_add_program(NAME ${S_NAME} SOURCES ${S_SOURCES} LIBS ${S_LIBS} DEFINES ${S_DEFINES})
  set(forward)
  foreach(option NO_JANITOR SERIAL)
    if(S_${option})
      list(APPEND forward ${option})
    endif()
  endforeach()
  foreach(key AREA COST TIMEOUT LOCK TOOLS BACKENDS NEEDS SUBSKILL MATRIX_ON MATRIX_BACKENDS)
    if(S_${key})
      list(APPEND forward ${key} ${S_${key}})
    endif()
  endforeach()
  e2e_add_tests(PROGRAM ${S_NAME} ${forward})
endfunction()

function(e2e_add_tests)
  cmake_parse_arguments(S "NO_JANITOR;SERIAL;MATRIX" "PROGRAM;PREFIX;AREA;COST;TIMEOUT;LOCK;MATRIX_ON;GATE_TOOL"
    "TOOLS;BACKENDS;NEEDS;SUBSKILL;MATRIX_BACKENDS" ${ARGN})
  if(S_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "e2e_add_tests(${S_PROGRAM}): unknown arguments '${S_UNPARSED_ARGUMENTS}'")
  endif()
  foreach(req PROGRAM AREA COST)
    if(NOT S_${req})
      message(FATAL_ERROR "e2e_add_tests: ${req} is required (program '${S_PROGRAM}', group '${S_PREFIX}')")
    endif()
  endforeach()
  foreach(kind IN LISTS S_MATRIX_ON S_MATRIX_BACKENDS)
    if(NOT kind IN_LIST E2E_ALL_BACKENDS)
      message(FATAL_ERROR "e2e_add_tests(${S_PROGRAM} ${S_PREFIX}): MATRIX_ON/MATRIX_BACKENDS '${kind}' is not a backend "
        "of helpers/config/Backends.hpp (${E2E_ALL_BACKENDS})")
    endif()
  endforeach()
  # MATRIX_ON's row in the gate: the kind's gate tool, or GATE_TOOL where a group names the one it can afford
  if(S_MATRIX_ON AND S_GATE_TOOL)
    if(NOT S_GATE_TOOL IN_LIST S_TOOLS)
      message(FATAL_ERROR "e2e_add_tests(${S_PROGRAM} ${S_PREFIX}): GATE_TOOL ${S_GATE_TOOL} is not in TOOLS")
    endif()
    set(E2E_GATE_TOOL_${S_MATRIX_ON} ${S_GATE_TOOL})
  elseif(S_GATE_TOOL)
    message(FATAL_ERROR "e2e_add_tests(${S_PROGRAM} ${S_PREFIX}): GATE_TOOL needs MATRIX_ON")
  endif()
  if((S_MATRIX_ON AND NOT S_TOOLS) OR (S_MATRIX_BACKENDS AND NOT S_BACKENDS))
    message(FATAL_ERROR "e2e_add_tests(${S_PROGRAM} ${S_PREFIX}): MATRIX_ON needs TOOLS, MATRIX_BACKENDS needs BACKENDS")
  endif()
  if(NOT S_COST MATCHES "^(quick|long)$")
    message(FATAL_ERROR "e2e_add_tests(${S_PROGRAM}): COST must be quick or long, got '${S_COST}'")
  endif()
  if(NOT S_TIMEOUT)
    if(S_COST STREQUAL "quick")
      set(S_TIMEOUT 120)
    else()
      set(S_TIMEOUT 1800)
    endif()
  endif()
  # the group's tests and the pattern a tool adds to it
  # (gtest's '*' spans '/' and '.': "Local/*/restic_*" is Local/<Suite>.<Test>/restic_...)
  if(S_PREFIX)
    string(REPLACE "/" "-" group "${S_PREFIX}")
    set(all "${S_PREFIX}/*:${S_PREFIX}.*")
    set(ins "${S_PREFIX}/*/" "${S_PREFIX}.*/")
  else()
    set(group "all")
    set(all "*")
    set(ins "*/")
  endif()
  get_property(groups TARGET ${S_PROGRAM} PROPERTY E2E_GROUPS)
  if(("all" IN_LIST groups) OR (groups AND group STREQUAL "all") OR (group IN_LIST groups))
    message(FATAL_ERROR "e2e_add_tests(${S_PROGRAM}): a program with more than one group needs a PREFIX per group, each once")
  endif()
  set_property(TARGET ${S_PROGRAM} APPEND PROPERTY E2E_GROUPS ${group})

  set(labels ${S_AREA} ${S_COST} ${S_NEEDS})
  if(S_SUBSKILL)
    list(APPEND labels ${S_SUBSKILL})
  endif()
  set(fixture_props)
  if(S_LOCK)
    list(APPEND fixture_props RESOURCE_LOCK ${S_LOCK})
  endif()
  if(S_SERIAL)
    list(APPEND fixture_props RUN_SERIAL TRUE)
  endif()
  if(NOT S_NO_JANITOR)
    list(APPEND fixture_props FIXTURES_REQUIRED e2e_janitor)
    set_property(GLOBAL APPEND PROPERTY E2E_FIXTURES_REQUIRED e2e_janitor)
  endif()

  set(common
    NO_PRETTY_VALUES
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 30)
  # Labels are a list; gtest_discover_tests flattens list-valued PROPERTIES, so
  # each discovery names its test list and a small include file labels them.
  if(S_TOOLS)
    set(tool_patterns "")
    foreach(tool IN LISTS S_TOOLS)
      set(tool_in "")
      foreach(in IN LISTS ins)
        string(APPEND tool_in ":${in}${tool}_*:${in}${tool}")
      endforeach()
      string(SUBSTRING "${tool_in}" 1 -1 tool_in)
      if(S_BACKENDS)
        foreach(backend IN LISTS S_BACKENDS)
          set(tool_backend "")
          foreach(in IN LISTS ins)
            string(APPEND tool_backend ":${in}${tool}_${backend}_*")
          endforeach()
          string(SUBSTRING "${tool_backend}" 1 -1 tool_backend)
          set(pair_labels ${labels} ${tool} ${backend})
          if((backend IN_LIST S_MATRIX_BACKENDS AND NOT tool STREQUAL E2E_GATE_TOOL_${backend})
             OR (S_MATRIX_ON AND NOT tool STREQUAL E2E_GATE_TOOL_${S_MATRIX_ON}) OR S_MATRIX)
            list(APPEND pair_labels matrix)
          endif()
          _e2e_discover(${S_PROGRAM} "${group}_${tool}_${backend}" "${pair_labels}" "${tool_backend}")
        endforeach()
      else()
        set(tool_labels ${labels} ${tool})
        if((S_MATRIX_ON AND NOT tool STREQUAL E2E_GATE_TOOL_${S_MATRIX_ON}) OR S_MATRIX)
          list(APPEND tool_labels matrix)
        endif()
        _e2e_discover(${S_PROGRAM} "${group}_${tool}" "${tool_labels}" "${tool_in}")
      endif()
      string(APPEND tool_patterns ":${tool_in}")
    endforeach()
    # tests that name no tool (plain TEST()s in the same file)
    string(SUBSTRING "${tool_patterns}" 1 -1 tool_patterns)
    _e2e_discover(${S_PROGRAM} "${group}_other" "${labels}" "${all}-${tool_patterns}")
  else()
    _e2e_discover(${S_PROGRAM} "${group}" "${labels}" "${all}")
  endif()
endfunction()

function(_e2e_discover target part labels filter)
  set(list_var "E2E_TESTS_${target}_${part}")
  gtest_discover_tests(${target} ${common}
    TEST_LIST ${list_var}
    TEST_FILTER "${filter}"
    PROPERTIES ${fixture_props})
  # Read when ctest runs: the labels, and a time limit that follows the
  # profile of that run (E2E_PROFILE), so that the standard and full
  # profiles are not stopped at the ci profile's limit (a test's TIMEOUT
  # wins over `ctest --timeout`).
  set(script "${CMAKE_CURRENT_BINARY_DIR}/${target}_${part}_labels.cmake")
  file(WRITE "${script}"
    "if(DEFINED ${list_var})\n"
    "  set(_profile \"\$ENV{E2E_PROFILE}\")\n"
    "  if(_profile STREQUAL \"\")\n"
    "    set(_profile \"${E2E_PROFILE}\")\n"
    "  endif()\n"
    "  set(_timeout ${S_TIMEOUT})\n"
    "  if(_profile STREQUAL \"standard\")\n"
    "    math(EXPR _timeout \"${S_TIMEOUT} * 8\")\n"
    "  elseif(_profile STREQUAL \"full\")\n"
    "    math(EXPR _timeout \"${S_TIMEOUT} * 24\")\n"
    "  endif()\n"
    "  set_tests_properties(\${${list_var}} PROPERTIES LABELS \"${labels}\" TIMEOUT \${_timeout})\n"
    "  foreach(_t IN LISTS ${list_var})\n"
    "    foreach(_f IN ITEMS${E2E_KNOWN_FINDING_PATTERNS})\n"
    "      if(_t MATCHES \"\${_f}\")\n"
    "        set_tests_properties(\"\${_t}\" PROPERTIES PASS_REGULAR_EXPRESSION\n"
    "          \"\\\\[e2e\\\\] outcome: (PASS|KNOWN FINDING)\")\n"
    "      endif()\n"
    "    endforeach()\n"
    "    foreach(_f IN ITEMS${E2E_INTERMITTENT_FINDING_PATTERNS})\n"
    "      if(_t MATCHES \"\${_f}\")\n"
    "        set_tests_properties(\"\${_t}\" PROPERTIES PASS_REGULAR_EXPRESSION\n"
    "          \"\\\\[e2e\\\\] outcome: (PASS|KNOWN INTERMITTENT FINDING)\")\n"
    "      endif()\n"
    "    endforeach()\n"
    "  endforeach()\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${script}")
endfunction()

# e2e_fixture_test(NAME n COMMAND ... SETUP|CLEANUP fixture LABELS ...)
function(e2e_fixture_test)
  cmake_parse_arguments(F "" "NAME;SETUP;CLEANUP" "COMMAND;LABELS" ${ARGN})
  add_test(NAME ${F_NAME} COMMAND ${F_COMMAND})
  set_tests_properties(${F_NAME} PROPERTIES LABELS "${F_LABELS}" TIMEOUT 120)
  if(F_SETUP)
    set_tests_properties(${F_NAME} PROPERTIES FIXTURES_SETUP ${F_SETUP})
    set_property(GLOBAL APPEND PROPERTY E2E_FIXTURES_SETUP ${F_SETUP})
  endif()
  if(F_CLEANUP)
    set_tests_properties(${F_NAME} PROPERTIES FIXTURES_CLEANUP ${F_CLEANUP})
  endif()
endfunction()

# Configure-time check (as Bareos does): a fixture that is required but never
# set up would make ctest silently run tests without their setup.
function(e2e_check_fixtures)
  get_property(required GLOBAL PROPERTY E2E_FIXTURES_REQUIRED)
  get_property(setup GLOBAL PROPERTY E2E_FIXTURES_SETUP)
  list(REMOVE_DUPLICATES required)
  foreach(f IN LISTS required)
    if(NOT f IN_LIST setup)
      message(FATAL_ERROR "fixture '${f}' is required by a suite but no test sets it up (add an e2e_fixture_test(... SETUP ${f}))")
    endif()
  endforeach()
endfunction()
