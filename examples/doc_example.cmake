# Writes the C component of docs/component-abi.md ("A complete component in C without the
# SDK") to OUT, so the build proves the document's own example compiles and tests run it:
# a newcomer's copy-paste must work. Usage: cmake -DDOC=… -DOUT=… -P doc_example.cmake
file(READ ${DOC} text)
string(FIND "${text}" "## A complete component in C without the SDK" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${DOC}: no section 'A complete component in C without the SDK'")
endif()
string(SUBSTRING "${text}" ${at} -1 text)
string(FIND "${text}" "```c\n" begin)
if(begin EQUAL -1)
  message(FATAL_ERROR "${DOC}: the section has no ```c block")
endif()
math(EXPR begin "${begin} + 5")
string(SUBSTRING "${text}" ${begin} -1 text)
string(FIND "${text}" "```" end)
string(SUBSTRING "${text}" 0 ${end} code)
file(WRITE ${OUT} "${code}")
