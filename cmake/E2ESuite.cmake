# e2e_add_suite(): one call registers a gtest suite with its labels, timeout
# and the janitor fixtures.
#
#   e2e_add_suite(NAME backends_local
#     SOURCES local_test.cpp
#     AREA backends SUBSKILL local [more sub-skills] COST quick|long [NEEDS root kvm]
#     [TOOLS vykar restic ...]     # one discovery per tool: each test gets its tool label
#     [BACKENDS local rest ...]    # with TOOLS: tests named …/<tool>_<backend>_… also get the backend label
#     [TIMEOUT 900] [LIBS extra_targets] [DEFINES NAME=value] [NO_JANITOR]
#     [LOCK resource]              # tests holding one machine-wide resource run one at a time
#     [SERIAL])                    # runs with nothing else beside it (under ctest --parallel)
#
# Tests with a tool in their name (…/restic_…) get that tool's label, so
# `ctest -L restic` works. A skipped gtest (GTEST_SKIP) is reported by ctest
# as "Not Run" with its reason, never as a pass (gtest_discover_tests sets
# SKIP_REGULAR_EXPRESSION itself).

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

# Known findings (seeds/known-findings.txt): ctest expects those rows to fail
# (WILL_FAIL) while the tool's bug is listed; their reports still say FAIL and why.
set(E2E_KNOWN_FINDINGS_FILE "${CMAKE_CURRENT_LIST_DIR}/../seeds/known-findings.txt")
file(STRINGS "${E2E_KNOWN_FINDINGS_FILE}" _e2e_findings REGEX "^[^#].* \\| ")
set(E2E_KNOWN_FINDING_PATTERNS "")   # each quoted, for the scripts ctest reads
foreach(_line IN LISTS _e2e_findings)
  string(REGEX REPLACE " \\| .*" "" _pattern "${_line}")
  string(APPEND E2E_KNOWN_FINDING_PATTERNS " \"${_pattern}\"")
endforeach()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${E2E_KNOWN_FINDINGS_FILE}")

function(e2e_add_suite)
  cmake_parse_arguments(S "NO_JANITOR;SERIAL" "NAME;AREA;COST;TIMEOUT;LOCK" "SOURCES;TOOLS;BACKENDS;NEEDS;LIBS;DEFINES;SUBSKILL" ${ARGN})
  foreach(req NAME AREA COST SOURCES)
    if(NOT S_${req})
      message(FATAL_ERROR "e2e_add_suite: ${req} is required (suite '${S_NAME}')")
    endif()
  endforeach()
  if(NOT S_COST MATCHES "^(quick|long)$")
    message(FATAL_ERROR "e2e_add_suite(${S_NAME}): COST must be quick or long, got '${S_COST}'")
  endif()
  if(NOT S_TIMEOUT)
    if(S_COST STREQUAL "quick")
      set(S_TIMEOUT 120)
    else()
      set(S_TIMEOUT 1800)
    endif()
  endif()

  add_executable(${S_NAME} ${S_SOURCES})
  target_link_libraries(${S_NAME} PRIVATE e2e_fixtures GTest::gtest GTest::gmock e2e_gtest_main ${S_LIBS})
  if(S_DEFINES)
    target_compile_definitions(${S_NAME} PRIVATE ${S_DEFINES})
  endif()

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
      if(S_BACKENDS)
        foreach(backend IN LISTS S_BACKENDS)
          _e2e_discover(${S_NAME} "${tool}_${backend}" "${labels};${tool};${backend}" "*/${tool}_${backend}_*")
        endforeach()
      else()
        _e2e_discover(${S_NAME} "${tool}" "${labels};${tool}" "*/${tool}_*:*/${tool}")
      endif()
      string(APPEND tool_patterns ":*/${tool}_*:*/${tool}")
    endforeach()
    # tests that name no tool (plain TEST()s in the same file)
    string(SUBSTRING "${tool_patterns}" 1 -1 tool_patterns)
    _e2e_discover(${S_NAME} "other" "${labels}" "*-${tool_patterns}")
  else()
    _e2e_discover(${S_NAME} "all" "${labels}" "*")
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
    "        set_tests_properties(\"\${_t}\" PROPERTIES WILL_FAIL TRUE)\n"
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
